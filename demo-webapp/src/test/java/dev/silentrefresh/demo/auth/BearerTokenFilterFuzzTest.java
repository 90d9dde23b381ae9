package dev.silentrefresh.demo.auth;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import dev.silentrefresh.demo.testing.HostileCorpus;
import dev.silentrefresh.demo.testing.MutableClock;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;

/**
 * Coverage-guided fuzzing (Jazzer) of the filter's header parsing and token checks, through the real app on Jetty (an
 * in-memory {@link LocalConnector}, no sockets) with production wiring except that the realm keys are in memory, so every
 * 503 is a finding. The invariant: any request gets an answer, and never a 5xx.
 *
 * <ul>
 *     <li>{@link #headerBlock}: the fuzzer writes the request's header lines (after {@code GET /api/me}); seeds are the
 *     hostile corpus' header blocks.</li>
 *     <li>{@link #signedToken}: the fuzzer writes a JWS header and payload (split at the first NUL byte), which are signed
 *     with a key the app trusts, so the claim checks and what follows them see arbitrary, validly signed JSON.</li>
 * </ul>
 *
 * <p>Without {@code JAZZER_FUZZ} these run as regression tests over the committed inputs in
 * {@code src/test/resources/dev/silentrefresh/demo/auth/BearerTokenFilterFuzzTestInputs}; the build's {@code fuzz-*}
 * executions fuzz each briefly. A crash is written there as {@code crash-*}: fix the code and keep the file.
 */
class BearerTokenFilterFuzzTest {

    private static final String FUZZ_KEY_ID = "fuzz-key";
    // generous: the first inputs also pay for loading and instrumenting Jetty's and Nimbus' classes
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private static Server server;
    private static LocalConnector connector;
    private static ECKey fuzzKey;

    @FuzzTest(maxDuration = "20s")
    void headerBlock(byte[] headerLines) throws Exception {
        byte[] head = "GET /api/me HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = "\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer request = ByteBuffer.allocate(head.length + headerLines.length + tail.length);
        request.put(head).put(headerLines).put(tail).flip();

        assertAnsweredWithout5xx(request);
    }

    @FuzzTest(maxDuration = "20s")
    void signedToken(byte[] headerAndPayload) throws Exception {
        int nul = indexOf(headerAndPayload, (byte) 0);
        byte[] header = nul < 0 ? headerAndPayload : java.util.Arrays.copyOfRange(headerAndPayload, 0, nul);
        byte[] payload = nul < 0 ? new byte[0] : java.util.Arrays.copyOfRange(headerAndPayload, nul + 1, headerAndPayload.length);
        app();
        String token = sign(header, payload);
        String request = "GET /api/data HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token + "\r\nConnection: close\r\n\r\n";

        assertAnsweredWithout5xx(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static void assertAnsweredWithout5xx(ByteBuffer request) throws Exception {
        ByteBuffer answer = app().getResponse(request, ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(answer, "no answer within " + ANSWER_TIMEOUT);
        String raw = StandardCharsets.ISO_8859_1.decode(answer).toString();
        assertTrue(raw.startsWith("HTTP/1.1 "), "not an HTTP answer: " + raw.substring(0, Math.min(40, raw.length())));
        int status = Integer.parseInt(raw.substring(9, 12));
        assertTrue(status < 500, "answered " + raw.substring(0, raw.indexOf('\r')));
    }

    // the app is started once per JVM: Jazzer runs millions of inputs against it
    private static synchronized LocalConnector app() throws Exception {
        if (connector == null) {
            fuzzKey = new ECKeyGenerator(Curve.P_256).keyID(FUZZ_KEY_ID).algorithm(JWSAlgorithm.ES256).generate();
            JWKSet keys = new JWKSet(List.of(HostileCorpus.corpusKey().toPublicJWK(), fuzzKey.toPublicJWK()));
            DemoConfig config = DemoConfig.fromMap(Map.of(DemoConfig.JWT_ALGORITHMS, "RS256,ES256"));
            MutableClock clock = new MutableClock(HostileCorpus.CORPUS_TIME);
            JwtVerifier jwtVerifier = new JwtVerifier(new ImmutableJWKSet<>(keys), config.issuer(), config.audience(),
                    config.jwtAlgorithms(), config.clockSkew(), clock);
            AccessTokenVerifier verifier = new VerifiedTokenCache(jwtVerifier, clock, config.clockSkew(), 1_000);
            Path staticFiles = Files.createTempDirectory("fuzz-static");
            server = DemoServer.newServer(0, config, staticFiles.toUri(), verifier, clock, DpopSettings.defaults());
            // the production connector's HTTP settings (header size limit included), without its socket
            connector = new LocalConnector(server, server.getConnectors()[0].getConnectionFactory(HttpConnectionFactory.class));
            server.addConnector(connector);
            server.start();
            // warm up the common paths once, so class loading is not charged to the first fuzz inputs
            for (String authorization : List.of("", "Authorization: Bearer x\r\n", "Authorization: Bearer a.b.c\r\n")) {
                connector.getResponse("GET /api/me HTTP/1.1\r\nHost: localhost\r\n" + authorization + "Connection: close\r\n\r\n",
                        2, TimeUnit.MINUTES);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> org.eclipse.jetty.util.component.LifeCycle.stop(server)));
        }
        return connector;
    }

    private static String sign(byte[] header, byte[] payload) throws JOSEException {
        Base64.Encoder base64url = Base64.getUrlEncoder().withoutPadding();
        String signingInput = base64url.encodeToString(header) + "." + base64url.encodeToString(payload);
        // the signature covers whatever bytes the fuzzer wrote, as a realm would sign them
        String signature = new ECDSASigner(fuzzKey).sign(new JWSHeader(JWSAlgorithm.ES256),
                signingInput.getBytes(StandardCharsets.US_ASCII)).toString();
        return signingInput + "." + signature;
    }

    private static int indexOf(byte[] bytes, byte value) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

}
