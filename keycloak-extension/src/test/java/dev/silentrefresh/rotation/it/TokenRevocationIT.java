package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.DemoRealmAdmin.describe;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.assertInvalidGrant;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * RFC 7009 revocation of refresh tokens at Keycloak 26.7.3's revocation endpoint, with the executor deployed.
 *
 * <p>Keycloak's own revocation of a refresh token ends the client's session in that login: every family of the client in
 * that SSO session. The executor makes it follow {@code reuse-revocation-scope}: {@code family} ends the one family and
 * other tabs live on, {@code client-session} is Keycloak's own, {@code user-session} ends the whole login; each with the
 * revocation marks, so a refresh racing the revocation cannot bring the family back. A bad or foreign token revokes
 * nothing and gets Keycloak's own answer.
 */
@KeycloakIntegrationTest(config = RefreshTokenRotationIT.ServerConfig.class)
class TokenRevocationIT {

    private static final String REALM = "demo";
    private static final String SPA = "demo-spa";
    private static final String SPA_REDIRECT = "http://localhost:8081/";
    private static final String OTHER_CLIENT = "other-spa";
    private static final String OTHER_REDIRECT = "http://localhost:8081/other";
    private static final String ORIGIN = "http://localhost:8081";
    private static final String REFRESH_TOKEN = "refresh_token";

    @InjectAdminClient
    Keycloak keycloakAdmin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    private RealmResource realm;
    private DemoRealmAdmin admin;
    private OidcTestClient spa;
    private OidcTestClient other;

    @BeforeEach
    void startFromTheImportedRealm() {
        realm = keycloakAdmin.realm(REALM);
        admin = new DemoRealmAdmin(realm);
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        admin.configureRotation(0, "client-session", true);
        admin.setRealmRevokeRefreshToken(false);
        spa = new OidcTestClient(urls.getBase(), REALM, SPA, SPA_REDIRECT);
        other = new OidcTestClient(urls.getBase(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        realm.clearEvents();
    }

    /** What Keycloak 26.7.3 itself revokes, seen on a client the policy does not cover: the client session, no more. */
    @Test
    void keycloakItselfRevokesTheClientSessionOfTheLoginForAnUncoveredClient() {
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse firstTab = other.login(browser, "alice", "alice", "");
        TokenResponse secondTab = other.login(browser, "alice", "alice", "");
        TokenResponse spaLogin = spa.login(browser, "alice", "alice", "");
        assertEquals(sessionIdOf(firstTab), sessionIdOf(spaLogin), "one SSO session");

        HttpResponse<String> answer = other.revoke(firstTab.refreshToken(), REFRESH_TOKEN, Map.of());

        assertEquals(200, answer.statusCode(), answer.body());
        assertInvalidGrant(other.refresh(secondTab.refreshToken()));
        assertFalse(admin.clientsOfSession("alice", sessionIdOf(firstTab)).contains(OTHER_CLIENT));
        ok(spa.refresh(spaLogin.refreshToken()));
    }

    @Test
    void familyScopeRevocationEndsTheFamilyAndTheOtherTabsOfTheClientSessionGoOn() {
        admin.configureRotation(0, "family", true);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse firstTab = spa.login(browser, "alice", "alice", "");
        TokenResponse secondTab = spa.login(browser, "alice", "alice", "");
        assertEquals(sessionIdOf(firstTab), sessionIdOf(secondTab), "both tabs share one client session");
        TokenResponse firstNewest = ok(spa.refresh(firstTab.refreshToken()));

        HttpResponse<String> answer = spa.revoke(firstNewest.refreshToken(), REFRESH_TOKEN, Map.of("Origin", ORIGIN));

        assertEquals(200, answer.statusCode(), answer.body());
        assertInvalidGrant(spa.refresh(firstNewest.refreshToken()));
        TokenResponse secondNext = ok(spa.refresh(secondTab.refreshToken()));
        ok(spa.refresh(secondNext.refreshToken()));
        assertTrue(admin.clientsOfSession("alice", sessionIdOf(firstTab)).contains(SPA), "the client session lives on");
        assertTrue(admin.reuseEvents().isEmpty(), "a revocation is no reuse: " + describe(admin.reuseEvents()));
        List<EventRepresentation> revocations = revocationEvents();
        assertEquals(1, revocations.size(), describe(revocations));
        Map<String, String> details = revocations.get(0).getDetails();
        assertAll(
                () -> assertEquals(SPA, revocations.get(0).getClientId()),
                () -> assertEquals(admin.userId("alice"), revocations.get(0).getUserId()),
                () -> assertEquals(sessionIdOf(firstTab), revocations.get(0).getSessionId()),
                () -> assertEquals(family(firstTab), details.get("refresh_token_family")),
                () -> assertEquals("family", details.get("reuse_revocation_scope")),
                () -> assertEquals(Jwt.claims(firstNewest.refreshToken()).get("jti"), details.get("refresh_token_id")));
    }

    @Test
    void familyScopeRevocationWithAnOlderTokenOfTheFamilyEndsTheFamilyToo() {
        admin.configureRotation(0, "family", true);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse firstTab = spa.login(browser, "alice", "alice", "");
        TokenResponse secondTab = spa.login(browser, "alice", "alice", "");
        TokenResponse firstNewest = ok(spa.refresh(firstTab.refreshToken()));

        assertEquals(200, spa.revoke(firstTab.refreshToken(), REFRESH_TOKEN, Map.of()).statusCode());

        assertInvalidGrant(spa.refresh(firstNewest.refreshToken()));
        ok(spa.refresh(secondTab.refreshToken()));
        assertTrue(admin.reuseEvents().isEmpty(), describe(admin.reuseEvents()));
    }

    @Test
    void familyScopeRevocationOfAnOfflineTokenEndsThatFamilyAndTheOnlineOneGoesOn() {
        admin.configureRotation(0, "family", true);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse online = spa.login(browser, "alice", "alice", "");
        TokenResponse offline = spa.login(browser, "alice", "alice", "offline_access");
        assertEquals("Offline", offline.refreshTokenClaims().get("typ"));

        assertEquals(200, spa.revoke(offline.refreshToken(), REFRESH_TOKEN, Map.of()).statusCode());

        assertInvalidGrant(spa.refresh(offline.refreshToken()));
        ok(spa.refresh(online.refreshToken()));
    }

    /** Keycloak's own revocation answer, with CORS for the page's origin, whichever path answered it. */
    @Test
    void familyScopeRevocationAnswersLikeKeycloaksOwnWithCorsForThePage() {
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse stockLogin = spa.login(browser, "alice", "alice", "");
        HttpResponse<String> stock = spa.revoke(stockLogin.refreshToken(), REFRESH_TOKEN, Map.of("Origin", ORIGIN));
        admin.configureRotation(0, "family", true);
        TokenResponse familyLogin = spa.login("alice", "alice");

        HttpResponse<String> family = spa.revoke(familyLogin.refreshToken(), REFRESH_TOKEN, Map.of("Origin", ORIGIN));

        assertInvalidGrant(spa.refresh(familyLogin.refreshToken()));
        assertAll(
                () -> assertEquals(200, stock.statusCode()),
                () -> assertEquals(stock.statusCode(), family.statusCode()),
                () -> assertEquals(stock.body(), family.body()),
                () -> assertEquals(ORIGIN, family.headers().firstValue("Access-Control-Allow-Origin").orElse(null)),
                () -> assertEquals(stock.headers().firstValue("Access-Control-Allow-Origin"),
                        family.headers().firstValue("Access-Control-Allow-Origin")),
                () -> assertEquals(stock.headers().firstValue("Access-Control-Allow-Credentials"),
                        family.headers().firstValue("Access-Control-Allow-Credentials")));
    }

    @Test
    void clientSessionScopeRevocationEndsEveryFamilyOfTheClientSessionAndNoOtherClient() {
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse firstTab = spa.login(browser, "alice", "alice", "");
        TokenResponse secondTab = spa.login(browser, "alice", "alice", "");
        TokenResponse otherLogin = other.login(browser, "alice", "alice", "");

        assertEquals(200, spa.revoke(firstTab.refreshToken(), REFRESH_TOKEN, Map.of()).statusCode());

        assertInvalidGrant(spa.refresh(firstTab.refreshToken()));
        assertInvalidGrant(spa.refresh(secondTab.refreshToken()));
        ok(other.refresh(otherLogin.refreshToken()));
    }

    @Test
    void userSessionScopeRevocationEndsTheWholeLoginOnlineAndOffline() {
        admin.configureRotation(0, "user-session", true);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse login = spa.login(browser, "alice", "alice", "");
        TokenResponse offline = spa.login(browser, "alice", "alice", "offline_access");
        TokenResponse otherLogin = other.login(browser, "alice", "alice", "");
        String sessionId = sessionIdOf(login);

        assertEquals(200, spa.revoke(login.refreshToken(), REFRESH_TOKEN, Map.of()).statusCode());

        assertFalse(admin.sessionIdsOf("alice").contains(sessionId), "the user session is gone");
        assertFalse(admin.offlineSessionIdsOf("alice", SPA).contains(sessionId), "the offline session of that login is gone");
        assertInvalidGrant(other.refresh(otherLogin.refreshToken()));
        assertInvalidGrant(spa.refresh(offline.refreshToken()));
    }

    /**
     * Each scope's revocation is marked in the single-use store once it has committed (the executor logs the mark only
     * after writing it; a mark that cannot be written is a WARN line): for {@code client-session} and {@code user-session}
     * after the request's own transaction, in which Keycloak revoked the client session, has committed.
     */
    @Test
    void everyScopesRevocationIsMarkedOnceItHasCommitted() throws Exception {
        for (String scope : List.of("family", "client-session", "user-session")) {
            admin.configureRotation(0, scope, true);
            TokenResponse login = spa.login("alice", "alice");

            assertEquals(200, spa.revoke(login.refreshToken(), REFRESH_TOKEN, Map.of()).statusCode(), scope);

            String marked = "Revocation request: revoked the " + scope + " of refresh token family " + family(login);
            assertTrue(serverLogShowsWithin(marked, 10_000), "no mark logged for " + scope + ": " + marked);
            assertFalse(Files.readString(RefreshTokenRotationIT.SERVER_LOG).contains("revocation mark could not be written"));
            assertInvalidGrant(spa.refresh(login.refreshToken()));
        }
    }

    /** The server log is written by another process: a line the request logged may land a moment after the answer. */
    private static boolean serverLogShowsWithin(String line, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (!Files.readString(RefreshTokenRotationIT.SERVER_LOG).contains(line)) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** Refreshes of the family racing its revocation: whatever they were issued is dead afterwards. */
    @Test
    void aRevocationRacingRefreshesOfTheSameFamilyStillEndsEveryTokenOfIt() throws Exception {
        admin.configureRotation(30, "family", true);
        for (int round = 0; round < 3; round++) {
            OidcTestClient.Browser browser = new OidcTestClient.Browser();
            TokenResponse racing = spa.login(browser, "alice", "alice", "");
            TokenResponse bystander = spa.login(browser, "alice", "alice", "");
            String newest = ok(spa.refresh(racing.refreshToken())).refreshToken();

            List<CompletableFuture<TokenResponse>> refreshes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                OidcTestClient tab = new OidcTestClient(urls.getBase(), REALM, SPA, SPA_REDIRECT);
                refreshes.add(CompletableFuture.supplyAsync(() -> tab.refresh(newest)));
            }
            HttpResponse<String> revoked = spa.revoke(newest, REFRESH_TOKEN, Map.of());
            List<TokenResponse> results = refreshes.stream().map(CompletableFuture::join).toList();

            assertEquals(200, revoked.statusCode(), revoked.body());
            assertTrue(results.stream().noneMatch(r -> r.status() >= 500), "a 5xx: " + results);
            assertInvalidGrant(spa.refresh(newest));
            for (TokenResponse result : results) {
                if (result.status() == 200) {
                    assertInvalidGrant(spa.refresh(result.refreshToken()));
                }
            }
            ok(spa.refresh(bystander.refreshToken()));
        }
    }

    @Test
    void aBadOrForeignTokenRevokesNothingAndGetsKeycloaksOwnAnswer() {
        admin.configureRotation(0, "family", true);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse login = spa.login(browser, "alice", "alice", "");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        TokenResponse otherLogin = other.login(browser, "alice", "alice", "");
        TokenResponse bob = spa.login("bob", "bob");

        // the same requests to a client the policy does not cover give Keycloak's own answers
        HttpResponse<String> brokenHere = spa.revoke(Jwt.withBrokenSignature(newest.refreshToken()), REFRESH_TOKEN, Map.of());
        HttpResponse<String> brokenStock = other.revoke(Jwt.withBrokenSignature(otherLogin.refreshToken()), REFRESH_TOKEN, Map.of());
        HttpResponse<String> foreignHere = spa.revoke(otherLogin.refreshToken(), REFRESH_TOKEN, Map.of());
        HttpResponse<String> foreignStock = other.revoke(newest.refreshToken(), REFRESH_TOKEN, Map.of());
        HttpResponse<String> garbageHere = spa.revoke("not-a-token", REFRESH_TOKEN, Map.of());
        HttpResponse<String> garbageStock = other.revoke("not-a-token", REFRESH_TOKEN, Map.of());
        HttpResponse<String> forgedFamily = spa.revoke(Jwt.withClaim(bob.refreshToken(), "rtr_fam", family(newest)), REFRESH_TOKEN, Map.of());

        assertAll(
                () -> assertEquals(brokenStock.statusCode() + " " + brokenStock.body(), brokenHere.statusCode() + " " + brokenHere.body()),
                () -> assertEquals(foreignStock.statusCode() + " " + foreignStock.body(), foreignHere.statusCode() + " " + foreignHere.body()),
                () -> assertEquals(400, foreignHere.statusCode(), foreignHere.body()),
                () -> assertEquals(garbageStock.statusCode() + " " + garbageStock.body(), garbageHere.statusCode() + " " + garbageHere.body()),
                () -> assertEquals(brokenStock.statusCode() + " " + brokenStock.body(), forgedFamily.statusCode() + " " + forgedFamily.body()));
        TokenResponse next = ok(spa.refresh(newest.refreshToken()));
        ok(spa.refresh(next.refreshToken()));
        ok(other.refresh(otherLogin.refreshToken()));
        ok(spa.refresh(bob.refreshToken()));
        assertTrue(revocationEvents().isEmpty(), "nothing was revoked: " + describe(revocationEvents()));
    }

    @Test
    void revokingAnAccessTokenOfACoveredClientLeavesItsRefreshChainAsKeycloakDoes() {
        admin.configureRotation(0, "family", true);
        TokenResponse login = spa.login("alice", "alice");

        assertEquals(200, spa.revoke(login.accessToken(), "access_token", Map.of()).statusCode());

        assertNotEquals(200, spa.userinfoStatus(login.accessToken()), "the access token is revoked");
        ok(spa.refresh(ok(spa.refresh(login.refreshToken())).refreshToken()));
    }

    private List<EventRepresentation> revocationEvents() {
        return realm.getEvents(List.of("REVOKE_GRANT"), null, null, null, null, null, 0, 100);
    }

    private static String sessionIdOf(TokenResponse response) {
        return (String) response.refreshTokenClaims().get("sid");
    }

    private static String family(TokenResponse response) {
        return (String) response.refreshTokenClaims().get("rtr_fam");
    }
}
