package dev.silentrefresh.demo.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.nimbusds.jose.jwk.JWKSet;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.testing.CapturedLogs;
import dev.silentrefresh.demo.testing.HostileCorpus;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.RawHttp;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenLogScanner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sends every request of the committed hostile corpus ({@link HostileCorpus}, {@code src/test/resources/hostile/requests}) as
 * raw bytes to the real app on Jetty, with the real filter and production wiring, the app's loggers at TRACE: each gets
 * exactly the status its file names, never a 5xx, and no token or part of one reaches the log.
 */
class HostileRequestsTest {

    private static final Pattern TOKEN_LIKE = Pattern.compile("[A-Za-z0-9_.~+/-]{40,}");

    @TempDir
    static Path staticFiles;

    private static JwksServer jwks;
    private static TestApp app;
    private static CapturedLogs logs;
    private static final List<String> answered = new ArrayList<>();

    static Stream<HostileCorpus.Case> corpus() throws Exception {
        return HostileCorpus.load(corpusFolder()).stream();
    }

    @BeforeAll
    static void startApp() throws Exception {
        logs = CapturedLogs.start("dev.silentrefresh", "TRACE");
        jwks = JwksServer.start(new JWKSet(HostileCorpus.corpusKey().toPublicJWK()));
        DemoConfig config = DemoConfig.fromMap(Map.of(DemoConfig.KEYCLOAK_JWKS_URL, jwks.uri().toString()));
        app = TestApp.start(config, new MutableClock(HostileCorpus.CORPUS_TIME), staticFiles);
        logs.raise();
    }

    @AfterAll
    static void stopApp() {
        if (app != null) {
            app.close();
        }
        if (jwks != null) {
            jwks.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void hostileRequestGetsItsStatusAndNever5xx(HostileCorpus.Case hostile) throws Exception {
        RawHttp.Answer answer = RawHttp.send("127.0.0.1", app.uri("/").getPort(), hostile.bytes(), Duration.ofSeconds(10));

        assertTrue(answer.status() >= 200 && answer.status() < 500, hostile.name() + " got " + answer.status());
        assertEquals(hostile.expectedStatus(), answer.status(), hostile.name() + ": " + hostile.description());
        synchronized (answered) {
            answered.add(hostile.name());
        }
    }

    @Test
    void corpusCoversTheRequiredKinds() throws Exception {
        List<String> names = HostileCorpus.load(corpusFolder()).stream().map(HostileCorpus.Case::name).toList();
        for (String kind : List.of("truncated", "resigned", "alg-none", "hs256-with-public-key", "over", "nested", "non-utf8", "crlf",
                "two-authorization-headers", "bad-base64", "huge-number", "kid-path", "jku", "x5u", "jwk-header", "two-dpop")) {
            assertTrue(names.stream().anyMatch(name -> name.contains(kind)), "the corpus has no case for " + kind);
        }
        assertTrue(names.size() >= 90, "the corpus shrank to " + names.size());
    }

    /** Runs last in the class (JUnit orders @AfterAll after all tests): the log holds no part of any corpus token. */
    @AfterAll
    static void noTokenReachedTheLog() throws Exception {
        if (answered.isEmpty()) {
            return;
        }
        TokenLogScanner scanner = new TokenLogScanner();
        for (HostileCorpus.Case hostile : HostileCorpus.load(corpusFolder())) {
            for (String line : hostile.lines()) {
                Matcher token = TOKEN_LIKE.matcher(line);
                while (token.find()) {
                    // runs of one repeated character (padding of oversized cases) are not tokens
                    Set<Integer> distinct = new HashSet<>();
                    token.group().chars().forEach(distinct::add);
                    if (distinct.size() > 4) {
                        scanner.addToken(token.group());
                    }
                }
            }
        }
        String log = logs.text();
        assertTrue(log.contains("refused the request with invalid_token"), "the log capture saw no decision");
        List<String> leaks = scanner.scan(log);
        assertTrue(leaks.isEmpty(), "token parts in the log: " + leaks);
    }

    private static Path corpusFolder() throws Exception {
        return Path.of(HostileRequestsTest.class.getResource(HostileCorpus.REQUESTS_RESOURCE).toURI());
    }
}
