package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.DemoRealmAdmin.describe;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.assertInvalidGrant;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * RFC 7662 introspection of refresh tokens at Keycloak 26.7.3's introspection endpoint, with the executor deployed: it
 * must agree with the token endpoint. The newest token (and the consumed one inside the grace window) is active; a
 * rotated-out token, the consumed one after the window, a revoked family and a revoked login are not. Tokens the executor
 * does not cover introspect exactly as Keycloak's own provider answers, and introspection changes no state.
 *
 * <p>Keycloak lets a client introspect only its own refresh tokens, and only a confidential client introspect at all, so
 * the tests use a confidential client the demo policy covers (by the same client attribute as {@code demo-spa}).
 */
@KeycloakIntegrationTest(config = RefreshTokenRotationIT.ServerConfig.class)
class TokenIntrospectionIT {

    private static final String REALM = "demo";
    private static final String COVERED = "rotation-backend";
    private static final String UNCOVERED = "stock-backend";
    private static final String RESOURCE_SERVER = "introspecting-api";
    private static final String SECRET = "introspection-test-secret";
    private static final String REDIRECT = "http://localhost:8081/backend";
    private static final String REFRESH_TOKEN = "refresh_token";

    @InjectAdminClient
    Keycloak keycloakAdmin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    private RealmResource realm;
    private DemoRealmAdmin admin;
    private OidcTestClient covered;
    private OidcTestClient uncovered;

    @BeforeEach
    void startFromTheImportedRealm() {
        realm = keycloakAdmin.realm(REALM);
        admin = new DemoRealmAdmin(realm);
        ensureConfidentialClient(COVERED, true);
        ensureConfidentialClient(UNCOVERED, false);
        admin.configureRotation(0, "client-session", true);
        admin.setRealmRevokeRefreshToken(false);
        covered = new OidcTestClient(urls.getBase(), REALM, COVERED, REDIRECT).withClientSecret(SECRET);
        uncovered = new OidcTestClient(urls.getBase(), REALM, UNCOVERED, REDIRECT).withClientSecret(SECRET);
        realm.clearEvents();
    }

    @AfterEach
    void leaveTheRealmsOwnRotationOff() {
        admin.setRealmRevokeRefreshToken(false);
    }

    @Test
    void theNewestTokenIsActiveAndIntrospectingItIsNoUse() {
        TokenResponse login = covered.login("alice", "alice");

        for (int i = 0; i < 3; i++) {
            assertActive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
        }

        TokenResponse first = ok(covered.refresh(login.refreshToken()));
        assertEquals(1, first.refreshTokenGeneration(), "introspection moved nothing on");
        assertActive(covered.introspect(first.refreshToken(), REFRESH_TOKEN));
        ok(covered.refresh(first.refreshToken()));
        assertTrue(admin.refreshErrors().isEmpty(), describe(admin.refreshErrors()));
    }

    @Test
    void aRotatedOutTokenIsInactiveAndIntrospectingItRevokesNothing() {
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));

        assertInactive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
        assertInactive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));

        assertActive(covered.introspect(newest.refreshToken(), REFRESH_TOKEN));
        ok(covered.refresh(newest.refreshToken()));
        assertTrue(admin.reuseEvents().isEmpty(), "introspection is not reuse: " + describe(admin.reuseEvents()));
    }

    @Test
    void theConsumedTokenIsActiveInsideTheGraceWindowAndInactiveAfterIt() throws InterruptedException {
        admin.configureRotation(2, "client-session", true);
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));

        assertActive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
        Thread.sleep(3_000);
        assertInactive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));

        assertActive(covered.introspect(newest.refreshToken(), REFRESH_TOKEN));
        ok(covered.refresh(newest.refreshToken()));
    }

    /**
     * Inside the window the consumed token is honoured only while it has siblings left ({@code max-grace-siblings}); once
     * they are used up a refresh with it is reuse, so it must introspect inactive. Introspecting it takes no sibling.
     */
    @Test
    void theConsumedTokenIsInactiveOnceItsSiblingsAreUsedUpAndIntrospectingItTakesNone() {
        admin.configureRotation(30, "family", true, 2);
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));

        for (int i = 0; i < 3; i++) {
            assertActive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
        }
        ok(covered.refresh(login.refreshToken()));
        assertActive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
        ok(covered.refresh(login.refreshToken()));

        assertInactive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
        assertActive(covered.introspect(newest.refreshToken(), REFRESH_TOKEN));
        assertTrue(admin.reuseEvents().isEmpty(), "introspection is not reuse: " + describe(admin.reuseEvents()));
        // the token endpoint agrees: the consumed token's third return is reuse
        assertInvalidGrant(covered.refresh(login.refreshToken()));
    }

    @Test
    void insideTheGraceWindowAnOlderAncestorIsInactive() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse first = ok(covered.refresh(login.refreshToken()));
        TokenResponse second = ok(covered.refresh(first.refreshToken()));

        assertAll(
                () -> assertInactive(covered.introspect(login.refreshToken(), REFRESH_TOKEN)),
                () -> assertActive(covered.introspect(first.refreshToken(), REFRESH_TOKEN)),
                () -> assertActive(covered.introspect(second.refreshToken(), REFRESH_TOKEN)));
    }

    /**
     * A login's offline family lives in the offline client session under keys of its own: rotating it out leaves the
     * login's online family active, and the offline one answers from its own state.
     */
    @Test
    void aRotatedOutOfflineTokenIsInactiveWhileTheLoginsOnlineFamilyStaysActive() {
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse online = covered.login(browser, "alice", "alice", "");
        TokenResponse offline = covered.login(browser, "alice", "alice", "offline_access");
        assertEquals("Offline", offline.refreshTokenClaims().get("typ"));
        TokenResponse newestOffline = ok(covered.refresh(offline.refreshToken()));

        assertAll(
                () -> assertInactive(covered.introspect(offline.refreshToken(), REFRESH_TOKEN)),
                () -> assertActive(covered.introspect(newestOffline.refreshToken(), REFRESH_TOKEN)),
                () -> assertActive(covered.introspect(online.refreshToken(), REFRESH_TOKEN)));
        ok(covered.refresh(online.refreshToken()));
        ok(covered.refresh(newestOffline.refreshToken()));
        assertTrue(admin.reuseEvents().isEmpty(), describe(admin.reuseEvents()));
    }

    @Test
    void everyTokenOfAFamilyRevokedForReuseIsInactiveWhileTheClientSessionLivesOn() {
        admin.configureRotation(0, "family", true);
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));
        assertInvalidGrant(covered.refresh(login.refreshToken()));

        assertInactive(covered.introspect(newest.refreshToken(), REFRESH_TOKEN));
        assertInactive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
    }

    @Test
    void aFamilyEndedByRevocationIsInactive() {
        admin.configureRotation(0, "family", true);
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));

        assertEquals(200, covered.revoke(newest.refreshToken(), REFRESH_TOKEN, Map.of()).statusCode());

        assertInactive(covered.introspect(newest.refreshToken(), REFRESH_TOKEN));
    }

    @Test
    void aLoginRevokedForReuseIsInactive() {
        admin.configureRotation(0, "user-session", true);
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));
        assertInvalidGrant(covered.refresh(login.refreshToken()));

        assertInactive(covered.introspect(newest.refreshToken(), REFRESH_TOKEN));
    }

    /** Keycloak answers for tokens the executor does not cover as it always has: with its own rotation off, all active. */
    @Test
    void anUncoveredClientsRefreshTokensIntrospectAsKeycloakAnswersThem() {
        TokenResponse login = uncovered.login("alice", "alice");
        TokenResponse newest = ok(uncovered.refresh(login.refreshToken()));

        TokenResponse old = uncovered.introspect(login.refreshToken(), REFRESH_TOKEN);
        TokenResponse current = uncovered.introspect(newest.refreshToken(), REFRESH_TOKEN);

        assertActive(old);
        assertActive(current);
        assertAll(
                () -> assertEquals(UNCOVERED, current.body().get("client_id")),
                () -> assertEquals("Refresh", current.body().get("typ")),
                () -> assertEquals("alice", current.body().get("username")),
                () -> assertEquals(newest.refreshTokenClaims().get("sid"), current.body().get("sid")),
                () -> assertTrue(!current.body().containsKey("rtr_fam"), "the uncovered client's token has no family"));
    }

    /** With the realm's own "Revoke Refresh Token" on, Keycloak's own check still answers for uncovered tokens. */
    @Test
    void keycloaksOwnReuseCheckStillAnswersForUncoveredTokens() {
        admin.setRealmRevokeRefreshToken(true);
        TokenResponse login = uncovered.login("alice", "alice");
        TokenResponse newest = ok(uncovered.refresh(login.refreshToken()));

        assertInactive(uncovered.introspect(login.refreshToken(), REFRESH_TOKEN));
        assertActive(uncovered.introspect(newest.refreshToken(), REFRESH_TOKEN));
    }

    /**
     * Without {@code token_type_hint} Keycloak 26.7.3 introspects as an access token; a refresh token then is inactive for
     * the client that holds it, rotated out or not, so no answer there contradicts the token endpoint.
     */
    @Test
    void withoutATokenTypeHintARotatedOutTokenIsNotActive() {
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));

        assertInactive(covered.introspect(login.refreshToken(), null));
        ok(covered.refresh(newest.refreshToken()));
    }

    /**
     * Keycloak's own answer, which the extension leaves alone: from 26.7 its access-token provider (no hint) checks the
     * audience, and a refresh token's is the realm alone. Keycloak 26.4/26.5 have no such check and call the same token
     * active, so this one is skipped there (the pom's list for the older lines).
     */
    @Test
    void withoutATokenTypeHintAnUncoveredRefreshTokenIsInactiveForItsAudience() {
        TokenResponse uncoveredLogin = uncovered.login("alice", "alice");

        assertInactive(uncovered.introspect(ok(uncovered.refresh(uncoveredLogin.refreshToken())).refreshToken(), null));
    }

    /**
     * A refresh token's own audience is the realm alone, so without {@code token_type_hint} (Keycloak's access-token
     * provider) no client is in it; a client with Keycloak's backwards-compatibility option to skip that audience check
     * gets past it. A rotated-out refresh token must still not be active for it, while an uncovered client's refresh
     * token and an access token get Keycloak's own answer.
     */
    @Test
    void aClientThatSkipsTheAudienceCheckGetsTheRotationsAnswerWithoutAHintAndKeycloaksForEverythingElse() {
        OidcTestClient resourceServer = resourceServerSkippingTheAudienceCheck();
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));
        TokenResponse uncoveredLogin = uncovered.login("alice", "alice");
        ok(uncovered.refresh(uncoveredLogin.refreshToken()));

        assertInactive(resourceServer.introspect(login.refreshToken(), null));
        assertInactive(resourceServer.introspect(login.refreshToken(), "access_token"));
        assertInactive(resourceServer.introspect(login.refreshToken(), REFRESH_TOKEN));
        assertActive(resourceServer.introspect(newest.refreshToken(), null));
        assertActive(resourceServer.introspect(uncoveredLogin.refreshToken(), null));
        assertActive(resourceServer.introspect(newest.accessToken(), null));

        ok(covered.refresh(newest.refreshToken()));
    }

    /**
     * Another client introspecting (through Keycloak's access-token provider, the only one that lets it) gets the answer
     * of the policy that covers the token's own client, here its {@code max-grace-siblings}, not defaults: no policy
     * applies the executor to the introspecting client's request on the token's client's behalf.
     */
    @Test
    void aClientThatSkipsTheAudienceCheckAnswersWithTheSiblingBoundOfTheTokensPolicy() {
        admin.configureRotation(30, "family", true, 1);
        OidcTestClient resourceServer = resourceServerSkippingTheAudienceCheck();
        TokenResponse login = covered.login("alice", "alice");
        TokenResponse newest = ok(covered.refresh(login.refreshToken()));

        assertActive(resourceServer.introspect(login.refreshToken(), null));
        ok(covered.refresh(login.refreshToken()));

        assertInactive(resourceServer.introspect(login.refreshToken(), null));
        assertInactive(covered.introspect(login.refreshToken(), REFRESH_TOKEN));
        assertActive(resourceServer.introspect(newest.refreshToken(), null));
        // the token endpoint agrees: the consumed token's second return is reuse
        assertInvalidGrant(covered.refresh(login.refreshToken()));
    }

    private OidcTestClient resourceServerSkippingTheAudienceCheck() {
        ensureConfidentialClient(RESOURCE_SERVER, false);
        admin.setClientAttribute(RESOURCE_SERVER, "allow.token.introspection.without.audience.check", "true");
        return new OidcTestClient(urls.getBase(), REALM, RESOURCE_SERVER, REDIRECT).withClientSecret(SECRET);
    }

    private void ensureConfidentialClient(String clientId, boolean coveredByThePolicy) {
        if (!realm.clients().findByClientId(clientId).isEmpty()) {
            return;
        }
        ClientRepresentation client = new ClientRepresentation();
        client.setClientId(clientId);
        client.setEnabled(true);
        client.setPublicClient(false);
        client.setSecret(SECRET);
        client.setStandardFlowEnabled(true);
        client.setDirectAccessGrantsEnabled(false);
        client.setRedirectUris(List.of(REDIRECT));
        Map<String, String> attributes = new HashMap<>(Map.of("pkce.code.challenge.method", "S256"));
        if (coveredByThePolicy) {
            attributes.put(DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
        }
        client.setAttributes(attributes);
        realm.clients().create(client).close();
    }

    private static void assertActive(TokenResponse introspection) {
        assertEquals(200, introspection.status(), introspection::toString);
        assertEquals(Boolean.TRUE, introspection.body().get("active"), () -> "expected active: " + introspection.body().keySet());
    }

    private static void assertInactive(TokenResponse introspection) {
        assertEquals(200, introspection.status(), introspection::toString);
        assertEquals(Map.of("active", false), introspection.body(), "expected exactly {active: false}");
    }
}
