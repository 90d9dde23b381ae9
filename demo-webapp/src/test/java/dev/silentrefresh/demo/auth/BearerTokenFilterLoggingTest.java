package dev.silentrefresh.demo.auth;

import static dev.silentrefresh.demo.testing.TokenIssuer.accessTokenClaims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.nimbusds.jwt.PlainJWT;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.JettyLoggerFactory;
import org.eclipse.jetty.logging.StdErrAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Sends tokens down every path the filter has, with the app's loggers at TRACE, and searches everything logged for them.
 *
 * <p>The app logs through jetty-slf4j-impl, whose single {@link StdErrAppender} writes for every logger; the test points
 * that appender at a buffer (and still at stderr) for its duration. Levels set on a parent only reach loggers that exist,
 * so the app's loggers are raised once the app is running.
 */
class BearerTokenFilterLoggingTest {

    private static final String APP_LOGGERS = "dev.silentrefresh";

    @TempDir
    Path staticFiles;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private JettyLoggerFactory loggers;
    private StdErrAppender appender;
    private PrintStream originalStream;
    private String originalLevel;

    @BeforeEach
    void captureLogs() {
        this.loggers = assertInstanceOf(JettyLoggerFactory.class, LoggerFactory.getILoggerFactory(),
                "the app must log through jetty-slf4j-impl for this test to see its output");
        this.originalLevel = this.loggers.getLoggerLevel(APP_LOGGERS);
        this.appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger(APP_LOGGERS)).getAppender();
        // null means the appender writes to whatever System.err is at the time
        this.originalStream = this.appender.getStream();
        OutputStream console = this.originalStream != null ? this.originalStream : System.err;
        this.appender.setStream(new PrintStream(new TeeStream(this.captured, console), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLogs() {
        this.appender.setStream(this.originalStream);
        this.loggers.setLoggerLevel(APP_LOGGERS, this.originalLevel);
    }

    @Test
    void doFilterWhenAnyTokenThenNoPartOfItIsLogged() throws Exception {
        TokenIssuer keycloak = TokenIssuer.withNewKey("realm-key-1");
        TokenIssuer impostor = TokenIssuer.withNewKey("realm-key-1");
        MutableClock clock = MutableClock.atCurrentSecond();
        List<String> tokens = new ArrayList<>();
        try (JwksServer jwks = JwksServer.start(keycloak.jwkSet());
             TestApp app = TestApp.start(TestApp.configFor(jwks), clock, this.staticFiles)) {
            this.loggers.setLoggerLevel(APP_LOGGERS, "TRACE");
            String alice = keycloak.sign(accessTokenClaims(clock.instant(), "alice", "reader").build());
            String bob = keycloak.sign(accessTokenClaims(clock.instant(), "bob").build());
            String forged = impostor.sign(accessTokenClaims(clock.instant(), "alice", "reader").build());
            String unsigned = new PlainJWT(accessTokenClaims(clock.instant(), "alice", "reader").build()).serialize();
            String idToken = keycloak.sign(accessTokenClaims(clock.instant(), "alice").claim("typ", "ID").build());
            String otherIssuer = keycloak.sign(accessTokenClaims(clock.instant(), "alice").issuer("https://evil.example").build());
            String unknownKey = keycloak.withKeyId("unknown").sign(accessTokenClaims(clock.instant(), "alice", "reader").build());
            tokens.addAll(List.of(alice, bob, forged, unsigned, idToken, otherIssuer, unknownKey));

            assertEquals(200, app.getWithToken("/api/me", alice).statusCode());
            assertEquals(200, app.getWithToken("/api/data", alice).statusCode());
            assertEquals(403, app.getWithToken("/api/data", bob).statusCode());
            assertEquals(401, app.getWithToken("/api/me", forged).statusCode());
            assertEquals(401, app.getWithToken("/api/me", unsigned).statusCode());
            assertEquals(401, app.getWithToken("/api/me", idToken).statusCode());
            assertEquals(401, app.getWithToken("/api/me", otherIssuer).statusCode());
            assertEquals(400, app.get("/api/me?access_token=" + alice).statusCode());
            assertEquals(400, app.get("/api/me", "Authorization", "Bearer " + alice + " x").statusCode());
            assertEquals(200, app.getWithToken("/api/public", alice).statusCode());
            clock.advance(Duration.ofMinutes(2));
            assertEquals(401, app.getWithToken("/api/me", alice).statusCode());
            jwks.close();
            assertEquals(503, app.getWithToken("/api/me", unknownKey).statusCode());
        }

        String log = this.captured.toString(StandardCharsets.UTF_8);
        // the capture works and covers the decisions: otherwise an empty log would pass
        assertTrue(log.contains("authenticated subject"), log);
        assertTrue(log.contains("refused the request with invalid_token"), log);
        assertTrue(log.contains("refused the request with invalid_request"), log);
        assertTrue(log.contains("answering 503"), log);
        // "eyJ" is base64url for '{"', the start of every JWT header and payload: no fragment of a token starts otherwise
        assertFalse(log.contains("eyJ"), log);
        for (String token : tokens) {
            for (String part : token.split("\\.")) {
                assertFalse(part.length() >= 8 && log.contains(part.substring(0, 8)), "logged a token part: " + log);
            }
        }
    }

    /** Writes to two streams. */
    private static final class TeeStream extends OutputStream {

        private final OutputStream first;
        private final OutputStream second;

        TeeStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            this.first.write(b);
            this.second.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            this.first.write(bytes, offset, length);
            this.second.write(bytes, offset, length);
        }
    }
}
