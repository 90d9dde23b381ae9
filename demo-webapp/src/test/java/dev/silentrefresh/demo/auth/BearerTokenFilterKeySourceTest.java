package dev.silentrefresh.demo.auth;

import static dev.silentrefresh.demo.testing.TestApp.header;
import static dev.silentrefresh.demo.testing.TokenIssuer.accessTokenClaims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.PlainJWT;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.testing.JwksServer;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.TestApp;
import dev.silentrefresh.demo.testing.TokenIssuer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter with a real JWKS endpoint that rotates keys, goes down or answers nonsense: key rotation is picked up, and a
 * key that cannot be had is a 503 the browser must not answer with a token refresh.
 */
class BearerTokenFilterKeySourceTest {

    private static TokenIssuer currentKey;
    private static TokenIssuer nextKey;

    @TempDir
    Path staticFiles;

    private MutableClock clock;
    private JwksServer jwks;
    private TestApp app;

    @BeforeAll
    static void generateKeys() {
        currentKey = TokenIssuer.withNewKey("key-2026-11");
        nextKey = TokenIssuer.withNewKey("key-2026-12");
    }

    @BeforeEach
    void startApp() throws Exception {
        this.clock = MutableClock.atCurrentSecond();
        this.jwks = JwksServer.start(currentKey.jwkSet());
        this.app = TestApp.start(TestApp.configFor(this.jwks), this.clock, this.staticFiles);
    }

    @AfterEach
    void stopApp() {
        this.app.close();
        this.jwks.close();
    }

    @Test
    void doFilterWhenKeycloakRotatesItsKeyThenNewKeyIdIsPickedUp() throws Exception {
        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());

        this.jwks.serve(new JWKSet(List.of(nextKey.publicKey(), currentKey.publicKey())));

        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(nextKey)).statusCode());
        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
        assertEquals(2, this.jwks.requests());
    }

    @Test
    void doFilterWhenKnownKeyIdThenJwksIsFetchedOnce() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
        }

        assertEquals(1, this.jwks.requests());
    }

    @Test
    void doFilterWhenJwksIsDownAndKeyIdIsUnknownThenServiceUnavailable() throws Exception {
        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());

        this.jwks.close();

        assertServiceUnavailable(this.app.getWithToken("/api/me", aliceToken(nextKey)));
    }

    @Test
    void doFilterWhenJwksIsDownAndKeyIsCachedThenAccepted() throws Exception {
        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());

        this.jwks.close();

        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
    }

    @Test
    void doFilterWhenJwksIsDownLongerThanTheCacheLivesThenCachedKeysAreStillUsed() throws Exception {
        Duration cacheTimeToLive = Duration.ofMillis(200);
        DemoConfig config = TestApp.configFor(this.jwks);
        JwtVerifier shortCache = new JwtVerifier(JwtVerifier.remoteKeySource(config.jwksUrl(), cacheTimeToLive), config.issuer(),
                config.audience(), config.jwtAlgorithms(), config.clockSkew(), this.clock);
        try (TestApp app = TestApp.start(config, shortCache, this.clock, this.staticFiles)) {
            assertEquals(200, app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());

            this.jwks.close();
            Thread.sleep(cacheTimeToLive.multipliedBy(3).toMillis());

            // a new token (not in any verified-token cache) with the known key still passes; an unknown key cannot be judged
            assertEquals(200, app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
            assertServiceUnavailable(app.getWithToken("/api/me", aliceToken(nextKey)));
            assertEquals(200, app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
        }
    }

    @Test
    void doFilterWhenJwksIsDownFromTheStartThenServiceUnavailable() throws Exception {
        this.jwks.close();

        assertServiceUnavailable(this.app.getWithToken("/api/me", aliceToken(currentKey)));
    }

    @Test
    void doFilterWhenJwksAnswersGarbageThenServiceUnavailable() throws Exception {
        this.jwks.answerWith(200, "<html>Keycloak is starting</html>");

        assertServiceUnavailable(this.app.getWithToken("/api/me", aliceToken(currentKey)));
    }

    @Test
    void doFilterWhenJwksAnswersAnErrorStatusThenServiceUnavailable() throws Exception {
        this.jwks.answerWith(502, "{\"keys\":[]}");

        assertServiceUnavailable(this.app.getWithToken("/api/me", aliceToken(currentKey)));
    }

    @Test
    void doFilterWhenJwksIsSlowerThanTheReadTimeoutThenServiceUnavailable() throws Exception {
        this.jwks.delayAnswers(Duration.ofMillis(JwtVerifier.JWKS_READ_TIMEOUT_MILLIS + 1_000));

        assertServiceUnavailable(this.app.getWithToken("/api/me", aliceToken(currentKey)));
    }

    @Test
    void doFilterWhenUnknownKeyIdsFollowEachOtherThenEachIsInvalidAndTheJwksIsRefetchedOnce() throws Exception {
        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());

        // the first unknown kid may refetch the JWKS; later ones within 30 seconds are judged against the keys just fetched
        for (int i = 1; i <= 5; i++) {
            assertEquals(401, this.app.getWithToken("/api/me", aliceToken(currentKey.withKeyId("made-up-" + i))).statusCode());
        }

        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
        assertEquals(2, this.jwks.requests());
    }

    @Test
    void doFilterWhenUnknownKeyIdsFollowAFailedRefetchThenServiceUnavailable() throws Exception {
        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
        this.jwks.answerWith(502, "{}");

        assertServiceUnavailable(this.app.getWithToken("/api/me", aliceToken(currentKey.withKeyId("made-up-1"))));
        assertServiceUnavailable(this.app.getWithToken("/api/me", aliceToken(currentKey.withKeyId("made-up-2"))));
        assertEquals(200, this.app.getWithToken("/api/me", aliceToken(currentKey)).statusCode());
    }

    @Test
    void doFilterWhenJwksIsDownThenUnsignedTokenIsStillInvalid() throws Exception {
        this.jwks.close();
        String unsigned = new PlainJWT(accessTokenClaims(this.clock.instant(), "alice", "reader").build()).serialize();

        assertEquals(401, this.app.getWithToken("/api/me", unsigned).statusCode());
    }

    private String aliceToken(TokenIssuer issuer) {
        return issuer.sign(accessTokenClaims(this.clock.instant(), "alice", "reader").build());
    }

    private static void assertServiceUnavailable(HttpResponse<String> response) {
        assertEquals(503, response.statusCode());
        assertEquals("5", header(response, "Retry-After"));
        assertNull(header(response, "WWW-Authenticate"));
        assertEquals("{\"error\":\"temporarily_unavailable\","
                + "\"error_description\":\"The token signing keys are unavailable; try again later\"}", response.body());
        assertEquals("no-store", header(response, "Cache-Control"));
    }
}
