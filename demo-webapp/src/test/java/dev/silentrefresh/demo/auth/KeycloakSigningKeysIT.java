package dev.silentrefresh.demo.auth;

import static dev.silentrefresh.demo.testing.TestApp.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.nimbusds.jwt.SignedJWT;
import dev.silentrefresh.demo.DemoConfig;
import dev.silentrefresh.demo.DemoServer;
import dev.silentrefresh.demo.testing.KeycloakWithExtension;
import dev.silentrefresh.demo.testing.KeycloakLogin;
import dev.silentrefresh.demo.testing.MutableClock;
import dev.silentrefresh.demo.testing.TcpProxy;
import dev.silentrefresh.demo.testing.TestApp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.common.util.MultivaluedHashMap;
import org.keycloak.representations.idm.ComponentRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * The filter against a real Keycloak 26.7.3 (Keycloak's test framework, the extension deployed, the project's realm) when
 * the realm's signing key changes and when Keycloak cannot be reached.
 *
 * <ul>
 *     <li>A new active RSA key with a higher priority, added through the admin API: the running app accepts tokens signed with
 *     it, and tokens signed with the old key until they expire.</li>
 *     <li>Keycloak unreachable for 60 s (a TCP proxy between the app's JWKS URL and Keycloak, cut): the app keeps accepting
 *     tokens with the keys it has, even after its key cache (10 s here) has run out, and answers a token signed with a key it
 *     has never seen with 503 and {@code Retry-After}, never 401; once Keycloak is back that token passes.</li>
 * </ul>
 */
@KeycloakIntegrationTest(config = KeycloakWithExtension.class)
class KeycloakSigningKeysIT {

    private static final String APP_URL = "http://localhost:8081/";
    private static final int ACCESS_TOKEN_SECONDS = 600;
    private static final Duration OUTAGE = Duration.ofSeconds(60);
    private static final Duration KEY_CACHE = Duration.ofSeconds(10);

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    @TempDir
    Path staticFiles;

    private RealmResource realm;
    private KeycloakLogin browser;

    @BeforeEach
    void longLivedAccessTokens() {
        this.realm = this.demoRealm.admin();
        RealmRepresentation settings = this.realm.toRepresentation();
        settings.setAccessTokenLifespan(ACCESS_TOKEN_SECONDS);
        this.realm.update(settings);
        this.browser = new KeycloakLogin(this.urls.getBase(), "demo", "demo-spa", APP_URL);
    }

    @Test
    void newRealmKeyIsAcceptedWithoutRestartAndOldKeyTokensUntilTheyExpire() throws Exception {
        DemoConfig config = DemoConfig.fromMap(Map.of(DemoConfig.KEYCLOAK_URL, this.urls.getBase()));
        MutableClock clock = MutableClock.atCurrentSecond();
        try (TestApp app = TestApp.start(config, clock, this.staticFiles)) {
            // Given tokens signed with the realm's current key, one of them already used with the app
            KeycloakLogin.Tokens login = this.browser.logIn("alice", "alice");
            Chain oldKey = refreshes(login, 2);
            List<String> oldKeyTokens = oldKey.accessTokens();
            String oldKeyId = keyId(oldKeyTokens.get(0));
            assertEquals(200, app.getWithToken("/api/me", login.accessToken()).statusCode());

            // When an administrator adds a new active RSA key with a higher priority
            addActiveRsaKey("rotated-" + System.nanoTime(), 1_000);
            KeycloakLogin.Tokens afterRotation = this.browser.refresh(oldKey.refreshToken());
            String newKeyToken = afterRotation.accessToken();
            assertNotEquals(oldKeyId, keyId(newKeyToken), "Keycloak did not sign with the new key");

            // Then the running app accepts tokens of the new key, and unseen tokens of the old key
            assertEquals(200, app.getWithToken("/api/me", newKeyToken).statusCode());
            assertEquals(200, app.getWithToken("/api/me", oldKeyTokens.get(0)).statusCode());

            // until they expire
            Instant expiry = SignedJWT.parse(oldKeyTokens.get(1)).getJWTClaimsSet().getExpirationTime().toInstant();
            clock.advance(Duration.between(clock.instant(), expiry).plus(config.clockSkew()).plusSeconds(1));
            HttpResponse<String> expired = app.getWithToken("/api/me", oldKeyTokens.get(1));
            assertEquals(401, expired.statusCode());
            assertTrue(header(expired, "WWW-Authenticate").contains("The access token expired"));
        }
    }

    @Test
    void keycloakUnreachableForAMinuteThenKnownKeysKeepWorkingAndAnUnknownKeyIs503() throws Exception {
        URI keycloak = URI.create(this.urls.getBase());
        try (TcpProxy proxy = TcpProxy.start(keycloak.getHost(), keycloak.getPort())) {
            DemoConfig config = DemoConfig.fromMap(Map.of(DemoConfig.KEYCLOAK_URL, this.urls.getBase(),
                    DemoConfig.KEYCLOAK_JWKS_URL, "http://127.0.0.1:" + proxy.port() + "/realms/demo/protocol/openid-connect/certs"));
            Clock clock = Clock.systemUTC();
            JwtVerifier jwtVerifier = new JwtVerifier(JwtVerifier.remoteKeySource(config.jwksUrl(), KEY_CACHE), config.issuer(),
                    config.audience(), config.jwtAlgorithms(), config.clockSkew(), clock);
            AccessTokenVerifier verifier = new VerifiedTokenCache(jwtVerifier, clock, config.clockSkew(),
                    VerifiedTokenCache.DEFAULT_MAX_ENTRIES);
            try (TestApp app = TestApp.start(config, verifier, clock, this.staticFiles)) {
                // Given tokens of the current key, one of them used (the app has fetched the keys through the proxy)
                KeycloakLogin.Tokens login = this.browser.logIn("alice", "alice");
                Chain chain = refreshes(login, 8);
                List<String> unseen = chain.accessTokens();
                assertEquals(200, app.getWithToken("/api/me", login.accessToken()).statusCode());
                assertTrue(proxy.connections() > 0, "the app did not fetch the keys through the proxy");

                // When Keycloak becomes unreachable for a minute
                proxy.cut();
                Instant outageEnds = Instant.now().plus(OUTAGE);
                List<Integer> duringOutage = new ArrayList<>();
                String newKeyToken = null;
                int step = 0;
                while (Instant.now().isBefore(outageEnds)) {
                    // Then tokens of the known key keep passing, also after the key cache (10 s) has run out
                    if (step < unseen.size()) {
                        duringOutage.add(app.getWithToken("/api/me", unseen.get(step)).statusCode());
                    }
                    // and halfway, a token of a key Keycloak has just added cannot be judged: 503, never 401
                    if (step == 3) {
                        addActiveRsaKey("during-outage-" + System.nanoTime(), 2_000);
                        KeycloakLogin.Tokens rotated = this.browser.refresh(chain.refreshToken());
                        assertEquals(200, rotated.status(), rotated.toString());
                        newKeyToken = rotated.accessToken();
                        HttpResponse<String> unknownKey = app.getWithToken("/api/me", newKeyToken);
                        assertEquals(503, unknownKey.statusCode(), unknownKey.body());
                        assertEquals(String.valueOf(BearerTokenErrorWriter.RETRY_AFTER_SECONDS), header(unknownKey, "Retry-After"));
                        assertNull(header(unknownKey, "WWW-Authenticate"));
                    }
                    step++;
                    Thread.sleep(Math.min(KEY_CACHE.toMillis(), Math.max(0, outageEnds.toEpochMilli() - System.currentTimeMillis())));
                }
                assertTrue(duringOutage.size() >= 5, "too few checks during the outage: " + duringOutage);
                assertTrue(duringOutage.stream().allMatch(status -> status == 200), "statuses during the outage: " + duringOutage);

                // When Keycloak is reachable again, the new key is fetched and its token passes (within a bounded wait)
                proxy.restore();
                List<Integer> afterOutage = new ArrayList<>();
                Instant giveUp = Instant.now().plusSeconds(20);
                do {
                    afterOutage.add(app.getWithToken("/api/me", newKeyToken).statusCode());
                } while (afterOutage.get(afterOutage.size() - 1) != 200 && Instant.now().isBefore(giveUp) && pause(1_000));
                assertEquals(200, afterOutage.get(afterOutage.size() - 1), "statuses after the outage: " + afterOutage);
                assertTrue(afterOutage.stream().noneMatch(status -> status == 401), "statuses after the outage: " + afterOutage);
            }
        }
    }

    /** Access tokens of one login's successive refreshes (none sent anywhere yet) and the newest refresh token. */
    private record Chain(List<String> accessTokens, String refreshToken) {
    }

    private Chain refreshes(KeycloakLogin.Tokens login, int count) throws Exception {
        List<String> tokens = new ArrayList<>();
        String refreshToken = login.refreshToken();
        for (int i = 0; i < count; i++) {
            KeycloakLogin.Tokens refreshed = this.browser.refresh(refreshToken);
            assertEquals(200, refreshed.status(), refreshed.toString());
            tokens.add(refreshed.accessToken());
            refreshToken = refreshed.refreshToken();
        }
        return new Chain(tokens, refreshToken);
    }

    private static boolean pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    private void addActiveRsaKey(String name, int priority) {
        ComponentRepresentation key = new ComponentRepresentation();
        key.setName(name);
        key.setProviderId("rsa-generated");
        key.setProviderType("org.keycloak.keys.KeyProvider");
        key.setParentId(this.realm.toRepresentation().getId());
        MultivaluedHashMap<String, String> settings = new MultivaluedHashMap<>();
        settings.putSingle("priority", String.valueOf(priority));
        settings.putSingle("active", "true");
        settings.putSingle("enabled", "true");
        settings.putSingle("keySize", "2048");
        settings.putSingle("algorithm", "RS256");
        key.setConfig(settings);
        this.realm.components().add(key).close();
    }

    private static String keyId(String jwt) throws ParseException {
        return SignedJWT.parse(jwt).getHeader().getKeyID();
    }
}
