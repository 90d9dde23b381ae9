package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.DemoRealmAdmin.describe;
import static dev.silentrefresh.rotation.it.DemoRealmAdmin.json;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.ws.rs.BadRequestException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientPoliciesRepresentation;
import org.keycloak.representations.idm.ClientPolicyRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;
import org.keycloak.representations.idm.ComponentTypeRepresentation;
import org.keycloak.representations.idm.ConfigPropertyRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The behaviour contract of the {@code refresh-token-rotation} executor, written once against any
 * {@link KeycloakUnderTest}: a server started by Keycloak's test framework, or a Testcontainers container.
 *
 * <p>Both sides of the promise are tried: the thief's (a replayed, leapfrogged or adopted token is caught and revokes
 * what the configuration says) and the honest user's (two tabs, a lost response, a retry inside the window, a client
 * leaving the policy: nobody is logged out). Every test starts from {@code realm-export.json} as imported, sets the
 * executor configuration it needs, and logs in through Keycloak's real login page with authorization code + PKCE, so
 * each test has its own user session.
 */
public abstract class RefreshTokenRotationScenarios {

    protected static final String REALM = "demo";
    protected static final String SPA = "demo-spa";
    protected static final String SPA_REDIRECT = "http://localhost:8081/";
    protected static final String OTHER_CLIENT = "other-spa";
    protected static final String OTHER_REDIRECT = "http://localhost:8081/other";
    protected static final String OTHER_REALM = "rotation-other-realm";

    /** The executor keeps at most this many families per client session (the bound the README states). */
    private static final int FAMILIES_PER_CLIENT_SESSION = 50;
    /** Parallel refreshes of one token: rounds, and requests per round. */
    private static final int PARALLEL_ROUNDS = 5;
    private static final int PARALLEL_REQUESTS = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    protected abstract KeycloakUnderTest keycloak();

    private DemoRealmAdmin admin;
    private RealmResource realm;
    private OidcTestClient spa;

    @BeforeEach
    void startFromTheImportedRealm() {
        realm = keycloak().admin().realm(REALM);
        admin = new DemoRealmAdmin(realm);
        spa = new OidcTestClient(keycloak().baseUrl(), REALM, SPA, SPA_REDIRECT);
        admin.configureRotation(0, "client-session", true);
        admin.setRealmRevokeRefreshToken(false);
        realm.clearEvents();
    }

    @Test
    void theServerUnderTestIsTheKeycloakVersionThePomPins() {
        assertEquals(System.getProperty("keycloak.version"), keycloak().admin().serverInfo().getInfo().getSystemInfo().getVersion());
    }

    // --- 1. rotation ---------------------------------------------------------------------------------------------

    @Test
    void everyRefreshReturnsANewRefreshTokenAndThePresentedOneIsUsedUp() {
        TokenResponse login = spa.login("alice", "alice");
        assertEquals(0, login.refreshTokenGeneration(), "login starts a family");
        TokenResponse first = ok(spa.refresh(login.refreshToken()));
        TokenResponse second = ok(spa.refresh(first.refreshToken()));

        assertNotEquals(login.refreshToken(), first.refreshToken());
        assertNotEquals(first.refreshToken(), second.refreshToken());
        assertEquals(1, first.refreshTokenGeneration());
        assertEquals(2, second.refreshTokenGeneration());
        assertEquals(family(login), family(second), "one family from login on");
        assertInvalidGrant(spa.refresh(first.refreshToken()));
    }

    @Test
    void withTheRealmsOwnRevokeRefreshTokenOnChainsRotateAndReplaysAreStillRefused() {
        admin.setRealmRevokeRefreshToken(true);

        TokenResponse login = spa.login("alice", "alice");
        TokenResponse first = ok(spa.refresh(login.refreshToken()));
        TokenResponse second = ok(spa.refresh(first.refreshToken()));
        TokenResponse third = ok(spa.refresh(second.refreshToken()));
        assertEquals(3, third.refreshTokenGeneration());

        // Keycloak's own check runs before the executor sees the replay, and revokes the client session itself
        assertInvalidGrant(spa.refresh(first.refreshToken()));
        assertInvalidGrant(spa.refresh(third.refreshToken()));
    }

    // --- 2. reuse detection --------------------------------------------------------------------------------------

    @Test
    void aReplayedTokenRevokesTheFamilySoEvenTheNewestTokenAndItsAccessTokenDie() {
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        assertEquals(200, spa.userinfoStatus(newest.accessToken()));
        String sessionId = sessionIdOf(newest);

        TokenResponse replay = spa.refresh(login.refreshToken());

        assertInvalidGrant(replay);
        assertInvalidGrant(spa.refresh(newest.refreshToken()));
        assertNotEquals(200, spa.userinfoStatus(newest.accessToken()));
        assertFalse(admin.clientsOfSession("alice", sessionId).contains(SPA), "the client session is gone");
    }

    @Test
    void aReuseIsRecordedAsOneRefreshTokenErrorEventWithItsDetails() {
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        List<EventRepresentation> errors = admin.refreshErrors();
        assertEquals(1, errors.size(), "exactly one error event, no generic client-policy duplicate: " + describe(errors));
        EventRepresentation event = errors.get(0);
        Map<String, String> details = event.getDetails();
        assertAll(
                () -> assertEquals(DemoRealmAdmin.REUSED, event.getError()),
                () -> assertEquals(SPA, event.getClientId()),
                () -> assertEquals(admin.userId("alice"), event.getUserId()),
                () -> assertEquals(sessionIdOf(newest), event.getSessionId()),
                () -> assertEquals(family(login), details.get("refresh_token_family")),
                () -> assertEquals(Jwt.claims(login.refreshToken()).get("jti"), details.get("refresh_token_id")),
                () -> assertEquals("client-session", details.get("reuse_revocation_scope")),
                () -> assertEquals("revoked", details.get("reuse_revocation")));
    }

    @Test
    void aReuseIsLoggedOnceAtWarnWithoutAnyTokenValue() {
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(login.refreshToken()));

        String tokenId = (String) Jwt.claims(login.refreshToken()).get("jti");
        List<String> lines = keycloak().serverLog().lines()
                .filter(line -> line.contains("Refresh token reuse detected") && line.contains(tokenId))
                .toList();
        assertEquals(1, lines.size(), "one log line for the reuse");
        assertTrue(lines.get(0).contains("WARN"), lines.get(0));
        assertTrue(lines.get(0).contains("revoked the client-session"), lines.get(0));
        String log = keycloak().serverLog();
        for (String token : List.of(login.refreshToken(), login.accessToken(), newest.refreshToken(), newest.accessToken())) {
            assertFalse(log.contains(signatureOf(token)), "a token value reached the server log");
        }
    }

    @Test
    void aReuseShowsInKeycloaksEventMetrics() {
        TokenResponse login = spa.login("alice", "alice");
        ok(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(login.refreshToken()));

        HttpResponse<String> metrics = OidcTestClient.send(HttpClient.newHttpClient(),
                HttpRequest.newBuilder(URI.create(keycloak().metricsUrl())).GET().build());
        assertEquals(200, metrics.statusCode());
        List<String> reuseCounters = metrics.body().lines()
                .filter(line -> line.startsWith("keycloak_user_events_total") && line.contains("error=\"" + DemoRealmAdmin.REUSED + "\""))
                .toList();
        assertFalse(reuseCounters.isEmpty(), "no keycloak_user_events_total counter for " + DemoRealmAdmin.REUSED);
        assertTrue(reuseCounters.stream().anyMatch(line -> line.contains("client_id=\"" + SPA + "\"")), reuseCounters.toString());
    }

    @Test
    void theReuseErrorCarriesTheTokenEndpointsCorsHeadersSoABrowserCanReadIt() {
        TokenResponse login = spa.login("alice", "alice");
        ok(spa.refresh(login.refreshToken()));

        TokenResponse replay = spa.refresh(login.refreshToken(), Map.of("Origin", "http://localhost:8081"));

        assertInvalidGrant(replay);
        assertEquals("http://localhost:8081", replay.raw().headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("no-store", replay.raw().headers().firstValue("Cache-Control").orElse(null));
    }

    @Test
    void concurrentReplaysAreAllRefusedAndTheRevocationIsRecordedTruthfullyOnce() throws Exception {
        TokenResponse login = spa.login("alice", "alice");
        ok(spa.refresh(login.refreshToken()));

        List<TokenResponse> replays = refreshInParallel(login.refreshToken(), 8);

        replays.forEach(RefreshTokenRotationScenarios::assertInvalidGrant);
        List<EventRepresentation> reuses = admin.reuseEvents();
        assertFalse(reuses.isEmpty(), "no reuse recorded");
        Map<String, Long> outcomes = reuses.stream()
                .collect(Collectors.groupingBy(e -> String.valueOf(e.getDetails().get("reuse_revocation")), Collectors.counting()));
        assertEquals(1L, outcomes.get("revoked"), "one replay revoked the session, the others found it revoked: " + outcomes);
        assertTrue(outcomes.keySet().stream().allMatch(o -> o.equals("revoked") || o.equals("already-revoked")), outcomes.toString());
        long revokedLines = keycloak().serverLog().lines()
                .filter(line -> line.contains("Refresh token reuse detected") && line.contains(family(login)) && line.contains("; revoked the"))
                .count();
        assertEquals(1, revokedLines, "the log says 'revoked' once, for the replay that did");
    }

    @Test
    void userSessionScopeLogsTheWholeSsoSessionOutOfEveryClient() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        admin.configureRotation(0, "user-session", true);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse login = spa.login(browser, "alice", "alice", "");
        TokenResponse otherLogin = other.login(browser, "alice", "alice", "");
        assertEquals(sessionIdOf(login), sessionIdOf(otherLogin), "one SSO session for both clients");
        ok(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        assertTrue(admin.sessionIdsOf("alice").stream().noneMatch(sessionIdOf(login)::equals), "the user session is gone");
        assertInvalidGrant(other.refresh(otherLogin.refreshToken()));
        assertEquals("user-session", admin.reuseEvents().get(0).getDetails().get("reuse_revocation_scope"));
    }

    @Test
    void userSessionScopeAlsoEndsTheOfflineSessionOfTheSameLogin() {
        admin.configureRotation(0, "user-session", true);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse online = spa.login(browser, "alice", "alice", "");
        TokenResponse offline = ok(spa.login(browser, "alice", "alice", "offline_access"));
        assertEquals("Offline", offline.refreshTokenClaims().get("typ"));
        String sessionId = sessionIdOf(online);
        assertEquals(sessionId, sessionIdOf(offline), "the offline session belongs to the same login");
        ok(spa.refresh(online.refreshToken()));

        assertInvalidGrant(spa.refresh(online.refreshToken()));

        assertFalse(admin.sessionIdsOf("alice").contains(sessionId), "the online session is gone");
        assertFalse(admin.offlineSessionIdsOf("alice", SPA).contains(sessionId), "the offline session of that login is gone");
        assertInvalidGrant(spa.refresh(offline.refreshToken()));
    }

    @Test
    void clientSessionScopeLeavesTheUsersOtherClientsLoggedIn() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse login = spa.login(browser, "alice", "alice", "");
        TokenResponse otherLogin = other.login(browser, "alice", "alice", "");
        ok(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        ok(other.refresh(otherLogin.refreshToken()));
    }

    /**
     * After a revocation the browser logs in again silently against the SSO session, which leaves the login (user session)
     * and the client as they were: the new client session must work, and a replay in it must revoke it too.
     */
    @Test
    void clientSessionScopeLetsTheSameBrowserLogInAgainAndCatchesAReplayThereToo() {
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        for (int login = 1; login <= 2; login++) {
            TokenResponse stolen = spa.login(browser, "alice", "alice", "");
            TokenResponse newest = ok(spa.refresh(ok(spa.refresh(stolen.refreshToken())).refreshToken()));
            TokenResponse next = ok(spa.refresh(newest.refreshToken()));

            assertInvalidGrant(spa.refresh(stolen.refreshToken()));

            assertInvalidGrant(spa.refresh(next.refreshToken()));
        }
        List<EventRepresentation> reuses = admin.reuseEvents();
        assertEquals(List.of("revoked", "revoked"),
                reuses.stream().map(e -> e.getDetails().get("reuse_revocation")).toList(), describe(reuses));
    }

    @Test
    void familyScopeRevokesOnlyTheReplayedFamilyAndOtherLoginsOfTheClientSessionGoOn() {
        admin.configureRotation(0, "family", true);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse firstTab = spa.login(browser, "alice", "alice", "");
        TokenResponse secondTab = spa.login(browser, "alice", "alice", "");
        assertEquals(sessionIdOf(firstTab), sessionIdOf(secondTab), "both logins share one client session");
        assertNotEquals(family(firstTab), family(secondTab));
        TokenResponse firstNewest = ok(spa.refresh(firstTab.refreshToken()));

        assertInvalidGrant(spa.refresh(firstTab.refreshToken()));

        assertInvalidGrant(spa.refresh(firstNewest.refreshToken()));
        TokenResponse secondNext = ok(spa.refresh(secondTab.refreshToken()));
        ok(spa.refresh(secondNext.refreshToken()));
        assertTrue(admin.clientsOfSession("alice", sessionIdOf(firstTab)).contains(SPA), "the client session lives on");
        List<EventRepresentation> reuses = admin.reuseEvents();
        assertEquals(1, reuses.size(), describe(reuses));
        assertEquals("family", reuses.get(0).getDetails().get("reuse_revocation_scope"));
        assertEquals(family(firstTab), reuses.get(0).getDetails().get("refresh_token_family"));
    }

    // --- 3. grace window: honest races pass, a thief never outlives one refresh -----------------------------------

    @Test
    void insideTheGraceWindowThePreviousTokenGetsASiblingAndTheChainStaysSingle() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));

        TokenResponse retry = ok(spa.refresh(login.refreshToken()));

        assertEquals(newest.refreshTokenGeneration(), retry.refreshTokenGeneration(), "a sibling of the newest token, not a new branch");
        TokenResponse next = ok(spa.refresh(newest.refreshToken()));
        assertEquals(2, next.refreshTokenGeneration());
        ok(spa.refresh(next.refreshToken()));
        assertTrue(admin.reuseEvents().isEmpty(), "no revocation inside the window");
    }

    @Test
    void aLostResponseRetriedWithTheSameTokenKeepsTheUserLoggedIn() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        ok(spa.refresh(login.refreshToken()));   // the response never reaches the client

        TokenResponse retried = ok(spa.refresh(login.refreshToken()));

        TokenResponse next = ok(spa.refresh(retried.refreshToken()));
        ok(spa.refresh(next.refreshToken()));
        assertTrue(admin.reuseEvents().isEmpty(), "an honest retry is not reuse");
    }

    @Test
    void aRetryLateInsideTheWindowIsStillHonouredAndOneAfterItIsReuse() throws InterruptedException {
        // the window must cover the client's request timeout plus its first retry delay (README, "The grace window")
        admin.configureRotation(3, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        ok(spa.refresh(login.refreshToken()));   // lost
        Thread.sleep(2_000);

        TokenResponse retried = ok(spa.refresh(login.refreshToken()));

        Thread.sleep(1_500);
        assertInvalidGrant(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(retried.refreshToken()));
    }

    @Test
    void insideTheGraceWindowAnyOlderAncestorIsStillReuse() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse first = ok(spa.refresh(login.refreshToken()));
        TokenResponse second = ok(spa.refresh(first.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(second.refreshToken()));
        assertEquals(1, admin.reuseEvents().size());
    }

    @Test
    void afterTheGraceWindowThePreviousTokenIsReuse() throws InterruptedException {
        admin.configureRotation(2, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));

        Thread.sleep(3_000);

        assertInvalidGrant(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(newest.refreshToken()));
    }

    @Test
    void aSiblingUsedAfterItsTwinHasMovedTheFamilyOnIsReuse() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse twin = ok(spa.refresh(login.refreshToken()));
        TokenResponse sibling = ok(spa.refresh(login.refreshToken()));
        ok(spa.refresh(twin.refreshToken()));

        assertInvalidGrant(spa.refresh(sibling.refreshToken()));
    }

    @Test
    void aThiefReplayingTheConsumedTokenInsideTheWindowIsCaughtAtTheVictimsNextRefresh() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse victimLogin = spa.login("alice", "alice");
        TokenResponse victim = ok(spa.refresh(victimLogin.refreshToken()));
        // the thief replays the token the victim just used: inside the window it cannot be told from a retry
        TokenResponse thief = ok(spa.refresh(victimLogin.refreshToken()));

        TokenResponse victimNext = ok(spa.refresh(victim.refreshToken()));

        assertInvalidGrant(spa.refresh(thief.refreshToken()));
        assertInvalidGrant(spa.refresh(victimNext.refreshToken()));
        assertEquals(1, admin.reuseEvents().size());
    }

    @Test
    void aThiefWhoRotatesItsSiblingFirstIsCaughtWhenTheVictimRefreshes() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse victimLogin = spa.login("alice", "alice");
        TokenResponse victim = ok(spa.refresh(victimLogin.refreshToken()));
        TokenResponse thief = ok(spa.refresh(victimLogin.refreshToken()));
        TokenResponse thiefNext = ok(spa.refresh(thief.refreshToken()));

        assertInvalidGrant(spa.refresh(victim.refreshToken()));

        assertInvalidGrant(spa.refresh(thiefNext.refreshToken()));
        assertEquals(1, admin.reuseEvents().size());
    }

    @Test
    void aLeapfroggingThiefGetsAtMostOneRefreshBeforeTheFamilyIsRevoked() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse victim = spa.login("alice", "alice");
        String consumed = victim.refreshToken();
        victim = ok(spa.refresh(consumed));
        int thiefRefreshes = 0;
        boolean caught = false;
        for (int cycle = 0; cycle < 20 && !caught; cycle++) {
            // moments after each victim refresh, the thief replays the token the victim just gave up ...
            TokenResponse stolen = spa.refresh(consumed);
            if (stolen.status() == 200) {
                thiefRefreshes++;
            }
            // ... the victim refreshes as usual, and the thief then uses what it got, one step behind
            TokenResponse victimNext = spa.refresh(victim.refreshToken());
            TokenResponse thiefNext = stolen.status() == 200 ? spa.refresh(stolen.refreshToken()) : stolen;
            if (thiefNext.status() == 200) {
                thiefRefreshes++;
            }
            caught = victimNext.status() != 200 || thiefNext.status() != 200;
            consumed = victim.refreshToken();
            victim = victimNext;
        }
        assertTrue(caught, "the thief kept a parallel chain for 20 cycles");
        assertTrue(thiefRefreshes <= 1, "the thief refreshed " + thiefRefreshes + " times before detection");
        assertEquals(1, admin.reuseEvents().size());
    }

    // --- 4. same-second safety (Keycloak #50999) -----------------------------------------------------------------

    @Test
    void rotationsWithinOneSecondDoNotLetTheMiddleTokenThroughLater() {
        Chain chain = sameSecondChain();
        assertInvalidGrant(spa.refresh(chain.middle().refreshToken()));
        assertInvalidGrant(spa.refresh(chain.newest().refreshToken()));
    }

    @Test
    void rotationsWithinOneSecondDoNotLetTheFirstTokenThroughLater() {
        Chain chain = sameSecondChain();
        assertInvalidGrant(spa.refresh(chain.first().refreshToken()));
        assertInvalidGrant(spa.refresh(chain.newest().refreshToken()));
    }

    // --- 5. concurrency ------------------------------------------------------------------------------------------

    @Test
    void parallelRefreshesWithoutGraceWindowLetExactlyOneThroughAndNeverFail5xx() throws Exception {
        // several rounds: a race that goes wrong one time in five must not pass by luck
        for (int round = 0; round < PARALLEL_ROUNDS; round++) {
            TokenResponse login = spa.login("alice", "alice");
            TokenResponse current = ok(spa.refresh(login.refreshToken()));

            List<TokenResponse> results = refreshInParallel(current.refreshToken(), PARALLEL_REQUESTS);

            assertNoServerErrors(results);
            List<TokenResponse> successes = results.stream().filter(r -> r.status() == 200).toList();
            assertEquals(1, successes.size(), "round " + round + ": exactly one winner: " + results);
            results.stream().filter(r -> r.status() != 200).forEach(RefreshTokenRotationScenarios::assertInvalidGrant);
            // the losers replayed a used token, so the whole family is revoked and nothing forks off it
            assertInvalidGrant(spa.refresh(successes.get(0).refreshToken()));
        }
    }

    @Test
    void parallelRefreshesInsideTheGraceWindowAllSucceedAndTheClientGoesOnWithOneResult() throws Exception {
        // twelve requests with one token: the rotation and eleven siblings, which the bound must allow here
        admin.configureRotation(30, "client-session", true, PARALLEL_REQUESTS);
        for (int round = 0; round < PARALLEL_ROUNDS; round++) {
            TokenResponse login = spa.login("alice", "alice");
            TokenResponse current = ok(spa.refresh(login.refreshToken()));

            List<TokenResponse> results = refreshInParallel(current.refreshToken(), PARALLEL_REQUESTS);

            assertNoServerErrors(results);
            results.forEach(RefreshTokenRotationScenarios::ok);
            assertEquals(List.of(2), results.stream().map(TokenResponse::refreshTokenGeneration).distinct().toList(),
                    "round " + round + ": every response is generation 2: the family advanced once");
            TokenResponse next = ok(spa.refresh(results.get(0).refreshToken()));
            ok(spa.refresh(next.refreshToken()));
            // one chain: once one sibling has moved the family on, another sibling is reuse
            assertInvalidGrant(spa.refresh(results.get(1).refreshToken()));
        }
        assertEquals(PARALLEL_ROUNDS, admin.reuseEvents().size(), "only the deliberate sibling replays were reuse");
    }

    // --- 6. forgery cannot revoke --------------------------------------------------------------------------------

    @Test
    void forgedOrForeignTokensAreRefusedWithoutRevokingAnything() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        keycloak().admin().realms().create(TestRealms.realmWithAlice(OTHER_REALM, TestRealms.publicClient(SPA, SPA_REDIRECT)));
        try {
            assertForgeriesRevokeNothing();
        } finally {
            keycloak().admin().realm(OTHER_REALM).remove();
        }
    }

    private void assertForgeriesRevokeNothing() {
        TokenResponse victim = spa.login("alice", "alice");
        TokenResponse victimNewest = ok(spa.refresh(victim.refreshToken()));
        TokenResponse otherClients = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT).login("alice", "alice");
        TokenResponse otherRealms = new OidcTestClient(keycloak().baseUrl(), OTHER_REALM, SPA, SPA_REDIRECT).login("alice", "alice");

        Map<String, String> forgeries = new LinkedHashMap<>();
        forgeries.put("broken signature", Jwt.withBrokenSignature(victim.refreshToken()));
        forgeries.put("tampered generation", Jwt.withClaim(victim.refreshToken(), "rtr_gen", 7));
        forgeries.put("another client's token", otherClients.refreshToken());
        forgeries.put("another realm's token", otherRealms.refreshToken());
        forgeries.put("access token", victimNewest.accessToken());
        forgeries.put("ID token", victimNewest.idToken());
        forgeries.put("garbage", "not-a-token");
        forgeries.put("empty", "");
        forgeries.put("100 KB", "a".repeat(100 * 1024));

        forgeries.forEach((name, forged) -> {
            TokenResponse response = spa.refresh(forged);
            assertEquals(400, response.status(), name + ": " + response);
            assertNotNull(response.error(), name);
        });
        assertTrue(admin.reuseEvents().isEmpty(), "nothing was revoked");
        ok(spa.refresh(victimNewest.refreshToken()));
    }

    @Test
    void aMissingRefreshTokenIsAnInvalidRequest() {
        TokenResponse response = spa.refresh(null);
        assertEquals(400, response.status());
        assertEquals("invalid_request", response.error());
    }

    // --- 7. which clients, which conditions ----------------------------------------------------------------------

    @Test
    void clientsOutsideThePolicyKeepKeycloaksStockBehaviour() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        TokenResponse login = other.login("alice", "alice");
        TokenResponse first = ok(other.refresh(login.refreshToken()));

        TokenResponse again = ok(other.refresh(login.refreshToken()));

        for (TokenResponse response : List.of(login, first, again)) {
            assertNull(response.refreshTokenClaims().get("rtr_fam"), "no claims added for an uncovered client");
            assertNull(response.refreshTokenClaims().get("rtr_gen"));
        }
        ok(other.refresh(first.refreshToken()));
        assertTrue(admin.reuseEvents().isEmpty());
    }

    @Test
    void enablingThePolicyOnALoggedInClientAdoptsItsTokensInsteadOfLoggingAnyoneOut() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        TokenResponse login = other.login("alice", "alice");
        admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
        try {
            TokenResponse adopted = ok(other.refresh(login.refreshToken()));
            assertEquals(1, adopted.refreshTokenGeneration());
            ok(other.refresh(adopted.refreshToken()));

            assertInvalidGrant(other.refresh(login.refreshToken()));
        } finally {
            admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, null);
        }
    }

    @Test
    void afterAdoptionAnOlderAlreadyUsedTokenOfTheSameLoginIsReuse() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        TokenResponse login = other.login("alice", "alice");
        TokenResponse used = ok(other.refresh(login.refreshToken()));
        TokenResponse newest = ok(other.refresh(used.refreshToken()));
        admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
        try {
            ok(other.refresh(newest.refreshToken()));

            assertInvalidGrant(other.refresh(used.refreshToken()));

            assertEquals(1, admin.reuseEvents().size(), "the older token of the adopted login was caught");
        } finally {
            admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, null);
        }
    }

    @Test
    void aFamilyStaysProtectedAfterItsClientLeavesThePolicy() {
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse first = ok(spa.refresh(login.refreshToken()));
        admin.setClientAttribute(SPA, DemoRealmAdmin.ROTATION_ATTRIBUTE, null);
        try {
            TokenResponse second = ok(spa.refresh(first.refreshToken()));
            assertEquals(2, second.refreshTokenGeneration(), "the family started under the policy still rotates");

            assertInvalidGrant(spa.refresh(first.refreshToken()));
        } finally {
            admin.setClientAttribute(SPA, DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
        }
    }

    /** Whether a policy whose only condition is this one makes the executor protect refreshes. */
    enum Coverage { PROTECTED, NOT_APPLIED }

    static Stream<Arguments> everyConditionKeycloakShips() {
        return Stream.of(
                Arguments.of("any-client", json(Map.of()), Coverage.PROTECTED, null),
                Arguments.of("client-access-type", json(Map.of("type", List.of("public"))), Coverage.PROTECTED, null),
                Arguments.of("client-attributes", json(Map.of("attributes",
                        "[{\"key\":\"refresh-token-rotation\",\"value\":\"enabled\"}]")), Coverage.PROTECTED, null),
                Arguments.of("client-roles", json(Map.of("roles", List.of("rotation-covered"))), Coverage.PROTECTED, null),
                Arguments.of("client-scopes", json(Map.of("type", "Default", "scopes", List.of("profile"))), Coverage.PROTECTED, null),
                // an optional scope that the client names on some refreshes only: the family stays protected on the others
                Arguments.of("client-scopes", json(Map.of("type", "Optional", "scopes", List.of("offline_access"))),
                        Coverage.PROTECTED, "offline_access"),
                Arguments.of("client-type", json(Map.of("protocol", "openid-connect")), Coverage.PROTECTED, null),
                Arguments.of("grant-type", json(Map.of("grant_types", List.of("refresh_token"))), Coverage.PROTECTED, null),
                // conditions that never vote on token requests: the policy applies to no refresh, tokens stay stock
                Arguments.of("grant-type", json(Map.of("grant_types", List.of("authorization_code"))), Coverage.NOT_APPLIED, null),
                Arguments.of("acr-condition", json(Map.of("acr-property", "gold")), Coverage.NOT_APPLIED, null),
                Arguments.of("identity-provider-alias", json(Map.of("identity_provider_aliases", List.of("corporate"))),
                        Coverage.NOT_APPLIED, null),
                Arguments.of("client-updater-context", json(Map.of("update-client-source", List.of("ByAuthenticatedUser"))),
                        Coverage.NOT_APPLIED, null),
                Arguments.of("client-updater-source-groups", json(Map.of("groups", List.of("topGroup"))), Coverage.NOT_APPLIED, null),
                Arguments.of("client-updater-source-host", json(Map.of("trusted-hosts", List.of("localhost"))), Coverage.NOT_APPLIED, null),
                Arguments.of("client-updater-source-roles", json(Map.of("roles", List.of("admin"))), Coverage.NOT_APPLIED, null));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("everyConditionKeycloakShips")
    void everyConditionKeycloakShipsEitherProtectsEveryRefreshOrLeavesTokensStock(String condition, JsonNode configuration,
                                                                                  Coverage coverage, String scopeOnFirstRefresh) {
        ClientPoliciesRepresentation original = admin.policies();
        String roleOfSpa = "rotation-covered";
        realm.clients().get(admin.clientUuid(SPA)).roles().create(new RoleRepresentation(roleOfSpa, null, false));
        admin.usePolicyCondition(condition, configuration);
        try {
            TokenResponse login = ok(spa.login("alice", "alice", scopeOnFirstRefresh == null ? "" : scopeOnFirstRefresh));
            TokenResponse first = ok(scopeOnFirstRefresh == null ? spa.refresh(login.refreshToken())
                    : spa.refreshWithScope(login.refreshToken(), scopeOnFirstRefresh));
            TokenResponse second = ok(spa.refresh(first.refreshToken()));

            TokenResponse replay = spa.refresh(first.refreshToken());

            if (coverage == Coverage.PROTECTED) {
                assertInvalidGrant(replay);
                assertEquals(1, admin.reuseEvents().size(), describe(admin.reuseEvents()));
                assertInvalidGrant(spa.refresh(second.refreshToken()));
            } else {
                ok(replay);
                assertNull(second.refreshTokenClaims().get("rtr_fam"), "a policy that does not apply adds no claims");
                assertTrue(admin.reuseEvents().isEmpty());
            }
        } finally {
            admin.restorePolicies(original);
            realm.clients().get(admin.clientUuid(SPA)).roles().deleteRole(roleOfSpa);
        }
    }

    @Test
    void theExecutorInTwoProfilesOfOnePolicyRotatesOncePerRefresh() {
        ClientProfilesRepresentation profiles = RotationProfile.withConfiguration(JSON.createObjectNode());
        ClientProfileRepresentation second = new ClientProfileRepresentation();
        second.setName("refresh-token-rotation-again");
        second.setExecutors(profiles.getProfiles().get(0).getExecutors());
        profiles.setProfiles(List.of(profiles.getProfiles().get(0), second));
        realm.clientPoliciesProfilesResource().updateProfiles(profiles);
        ClientPoliciesRepresentation original = admin.policies();
        admin.addProfileToPolicy(second.getName());
        try {
            TokenResponse current = spa.login("alice", "alice");
            for (int generation = 1; generation <= 3; generation++) {
                current = ok(spa.refresh(current.refreshToken()));
                assertEquals(generation, current.refreshTokenGeneration());
            }
        } finally {
            admin.restorePolicies(original);
        }
    }

    // --- 8. offline tokens ---------------------------------------------------------------------------------------

    @Test
    void offlineTokensAreRotatedAndProtectedTheSameWay() {
        TokenResponse login = ok(spa.login("alice", "alice", "offline_access"));
        assertEquals("Offline", login.refreshTokenClaims().get("typ"));
        assertEquals(0, login.refreshTokenGeneration(), "the offline token starts its family at login");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        assertEquals("Offline", newest.refreshTokenClaims().get("typ"));
        assertEquals(1, newest.refreshTokenGeneration());

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(newest.refreshToken()));
        assertFalse(admin.offlineSessionIdsOf("alice", SPA).contains(sessionIdOf(newest)), "the offline client session is revoked");
    }

    @Test
    void offlineTokensKeepStockBehaviourWhenExcluded() {
        admin.configureRotation(0, "client-session", false);
        TokenResponse login = ok(spa.login("alice", "alice", "offline_access"));
        TokenResponse first = ok(spa.refresh(login.refreshToken()));

        ok(spa.refresh(login.refreshToken()));
        ok(spa.refresh(first.refreshToken()));
        assertNull(first.refreshTokenClaims().get("rtr_gen"));
        assertTrue(admin.reuseEvents().isEmpty());
    }

    // --- 9. bounded state ----------------------------------------------------------------------------------------

    @Test
    void manyLoginsInOneSessionKeepTheFamilyStateBoundedAndTheNewestLoginsWork() {
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse oldest = spa.login(browser, "alice", "alice", "");
        List<TokenResponse> logins = new ArrayList<>();
        for (int i = 0; i < FAMILIES_PER_CLIENT_SESSION; i++) {
            logins.add(spa.login(browser, "alice", "alice", ""));
        }
        assertEquals(1, logins.stream().map(RefreshTokenRotationScenarios::sessionIdOf).distinct().count(), "one client session");

        // the oldest family no longer fits: refused, but nothing is revoked and no one else is logged out
        assertInvalidGrant(spa.refresh(oldest.refreshToken()));
        assertTrue(admin.reuseEvents().isEmpty(), "an untracked family is not a thief");
        for (TokenResponse login : List.of(logins.get(0), logins.get(logins.size() - 1))) {
            ok(spa.refresh(ok(spa.refresh(login.refreshToken())).refreshToken()));
        }
    }

    // --- 10. rotation contract v3 (issue 17) ----------------------------------------------------------------------

    /** Issue 17, item 1: a stamped family stays enforced whatever the settings become, revoked ones above all. */
    @Test
    void anOfflineFamilyRevokedUnderTheFamilyScopeStaysRevokedAfterOfflineTokensAreExcluded() {
        admin.configureRotation(0, "family", true);
        TokenResponse login = ok(spa.login("alice", "alice", "offline_access"));
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(login.refreshToken()));

        admin.configureRotation(0, "family", false);

        assertInvalidGrant(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(newest.refreshToken()));
    }

    @Test
    void anOfflineFamilyStaysSingleUseAfterOfflineTokensAreExcluded() {
        TokenResponse login = ok(spa.login("alice", "alice", "offline_access"));
        TokenResponse first = ok(spa.refresh(login.refreshToken()));

        admin.configureRotation(0, "client-session", false);

        TokenResponse second = ok(spa.refresh(first.refreshToken()));
        assertEquals(2, second.refreshTokenGeneration(), "the family started under the setting still rotates");
        assertInvalidGrant(spa.refresh(first.refreshToken()));
        assertEquals(1, admin.reuseEvents().size(), describe(admin.reuseEvents()));
    }

    /** Issue 17, item 2: inside the window the consumed token buys a bounded number of siblings, never an unlimited one. */
    @Test
    void insideTheGraceWindowTheConsumedTokenGetsThreeSiblingsByDefaultAndTheFourthReplayIsReuse() {
        admin.configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        for (int sibling = 1; sibling <= 3; sibling++) {
            assertEquals(1, ok(spa.refresh(login.refreshToken())).refreshTokenGeneration(), "sibling " + sibling);
        }

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(newest.refreshToken()));
        List<EventRepresentation> reuses = admin.reuseEvents();
        assertEquals(1, reuses.size(), describe(reuses));
        assertEquals("revoked", reuses.get(0).getDetails().get("reuse_revocation"));
    }

    @Test
    void everyGraceSiblingIsRecordedAsAnEventAndALogLineWithoutATokenValue() {
        admin.configureRotation(30, "client-session", true, 5);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        TokenResponse first = ok(spa.refresh(login.refreshToken()));
        TokenResponse second = ok(spa.refresh(login.refreshToken()));

        String consumed = (String) Jwt.claims(login.refreshToken()).get("jti");
        List<EventRepresentation> graces = realm.getEvents(List.of("REFRESH_TOKEN"), null, null, null, null, null, 0, 1000).stream()
                .filter(e -> e.getDetails() != null && e.getDetails().containsKey("refresh_token_grace_sibling")).toList();
        assertEquals(2, graces.size(), describe(graces));
        for (EventRepresentation grace : graces) {
            assertAll(
                    () -> assertEquals(SPA, grace.getClientId()),
                    () -> assertEquals(sessionIdOf(newest), grace.getSessionId()),
                    () -> assertEquals(family(login), grace.getDetails().get("refresh_token_family")),
                    () -> assertEquals(consumed, grace.getDetails().get("refresh_token_id")),
                    () -> assertEquals("5", grace.getDetails().get("max_grace_siblings")));
        }
        assertEquals(List.of("1", "2"), graces.stream().map(e -> e.getDetails().get("refresh_token_grace_sibling")).sorted().toList());
        List<String> lines = keycloak().serverLog().lines()
                .filter(line -> line.contains("grace sibling") && line.contains(consumed)).toList();
        assertEquals(2, lines.size(), "one log line per grace sibling: " + lines);
        String log = keycloak().serverLog();
        for (TokenResponse response : List.of(login, newest, first, second)) {
            assertFalse(log.contains(signatureOf(response.refreshToken())), "a token value reached the server log");
        }
    }

    /** Issue 17, item 3: two unstamped tokens of one login race to be adopted; the family that won is the one revoked. */
    @Test
    void anAdoptionRaceUnderTheFamilyScopeRevokesTheFamilyThatWonAndSaysSo() throws Exception {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        admin.configureRotation(0, "family", true);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        for (int round = 0; round < PARALLEL_ROUNDS; round++) {
            TokenResponse older = other.login("alice", "alice");
            TokenResponse newer = ok(other.refresh(older.refreshToken()));   // stock Keycloak: both stay valid
            List<TokenResponse> results;
            admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
            try {
                results = ParallelRefresh.ofEach(List.of(older.refreshToken(), newer.refreshToken()), List.of(
                        new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT),
                        new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT)));
            } finally {
                admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, null);
            }

            List<TokenResponse> adopted = results.stream().filter(r -> r.status() == 200).toList();
            assertEquals(1, adopted.size(), "round " + round + ": one adoption: " + results);
            results.stream().filter(r -> r.status() != 200).forEach(RefreshTokenRotationScenarios::assertInvalidGrant);
            TokenResponse winner = adopted.get(0);
            assertInvalidGrant(other.refresh(winner.refreshToken()));
            String sessionId = sessionIdOf(older);
            List<EventRepresentation> reuses = admin.reuseEvents().stream().filter(e -> sessionId.equals(e.getSessionId())).toList();
            assertEquals(1, reuses.size(), "round " + round + ": " + describe(reuses));
            assertEquals(family(winner), reuses.get(0).getDetails().get("refresh_token_family"), "round " + round + ": the event names the family revoked");
            assertEquals("revoked", reuses.get(0).getDetails().get("reuse_revocation"));
        }
    }

    /** Issue 17, item 4: a policy that does not vote on login must not leave logins unstamped in a shared client session. */
    @Test
    void underAPolicyThatDoesNotVoteOnLoginEveryLoginIsStampedAndTwoLoginsInOneClientSessionBothGoOn() {
        ClientPoliciesRepresentation original = admin.policies();
        admin.usePolicyCondition("grant-type", json(Map.of("grant_types", List.of("refresh_token"))));
        try {
            OidcTestClient.Browser browser = new OidcTestClient.Browser();
            TokenResponse firstTab = spa.login(browser, "alice", "alice", "");
            TokenResponse secondTab = spa.login(browser, "alice", "alice", "");   // a second tab, or a silent re-login
            assertEquals(sessionIdOf(firstTab), sessionIdOf(secondTab), "one client session for both logins");

            ok(spa.refresh(ok(spa.refresh(firstTab.refreshToken())).refreshToken()));
            ok(spa.refresh(ok(spa.refresh(secondTab.refreshToken())).refreshToken()));

            assertTrue(admin.reuseEvents().isEmpty(), describe(admin.reuseEvents()));
            assertEquals(0, firstTab.refreshTokenGeneration(), "stamped at issue");
            assertEquals(0, secondTab.refreshTokenGeneration(), "stamped at issue");
            assertNotEquals(family(firstTab), family(secondTab));
        } finally {
            admin.restorePolicies(original);
        }
    }

    /** Issue 17, item 4: the adoption claim tells an online from an offline client session of the same login. */
    @Test
    void aLoginsOnlineAndOfflineTokensFromBeforeThePolicyAreBothAdopted() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse online = other.login(browser, "alice", "alice", "");
        TokenResponse offline = ok(other.login(browser, "alice", "alice", "offline_access"));
        assertEquals("Offline", offline.refreshTokenClaims().get("typ"));
        admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
        try {
            TokenResponse onlineAdopted = ok(other.refresh(online.refreshToken()));
            TokenResponse offlineAdopted = ok(other.refresh(offline.refreshToken()));

            assertEquals(1, onlineAdopted.refreshTokenGeneration());
            assertEquals(1, offlineAdopted.refreshTokenGeneration());
            ok(other.refresh(onlineAdopted.refreshToken()));
            ok(other.refresh(offlineAdopted.refreshToken()));
            assertTrue(admin.reuseEvents().isEmpty(), describe(admin.reuseEvents()));
        } finally {
            admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, null);
        }
    }

    /**
     * Issue 17, item 5: Keycloak copies the online client session's notes into the offline one it creates; an offline
     * replay's revocation must not reach the online families through those copies.
     */
    @Test
    void anOfflineReplayUnderTheClientSessionScopeRevokesTheOfflineClientSessionOnly() {
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse online = spa.login(browser, "alice", "alice", "");
        TokenResponse onlineNext = ok(spa.refresh(online.refreshToken()));
        TokenResponse offline = ok(spa.login(browser, "alice", "alice", "offline_access"));
        assertEquals(sessionIdOf(online), sessionIdOf(offline), "the offline session belongs to the same login");
        TokenResponse offlineNext = ok(spa.refresh(offline.refreshToken()));

        assertInvalidGrant(spa.refresh(offline.refreshToken()));

        assertInvalidGrant(spa.refresh(offlineNext.refreshToken()));
        ok(spa.refresh(ok(spa.refresh(onlineNext.refreshToken())).refreshToken()));
    }

    @Test
    void anUnstampedOfflineTokenIsAdoptedIntoAFamilyOfItsOwnNotIntoTheOnlineOne() {
        admin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        admin.configureRotation(0, "client-session", false);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse online = other.login(browser, "alice", "alice", "");
        admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
        try {
            TokenResponse onlineAdopted = ok(other.refresh(online.refreshToken()));
            // offline tokens are left out for now: the offline client session is created with copies of the online notes
            TokenResponse offline = ok(other.login(browser, "alice", "alice", "offline_access"));
            assertNull(offline.refreshTokenClaims().get("rtr_fam"), "an excluded offline token is not stamped");
            admin.configureRotation(0, "client-session", true);

            TokenResponse offlineAdopted = ok(other.refresh(offline.refreshToken()));

            assertEquals(1, offlineAdopted.refreshTokenGeneration());
            assertNotEquals(family(onlineAdopted), family(offlineAdopted));
            ok(other.refresh(offlineAdopted.refreshToken()));
            ok(other.refresh(onlineAdopted.refreshToken()));
            assertTrue(admin.reuseEvents().isEmpty(), describe(admin.reuseEvents()));
        } finally {
            admin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, null);
        }
    }

    /** Issue 17, item 7: an executor added without settings has a grace window, so two racing requests log nobody out. */
    @Test
    void withoutAGracePeriodConfiguredTheConsumedTokenIsHonouredForTenSeconds() throws InterruptedException {
        realm.clientPoliciesProfilesResource().updateProfiles(RotationProfile.withConfiguration(JSON.createObjectNode()));
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));
        long rotated = System.nanoTime();

        TokenResponse retried = ok(spa.refresh(login.refreshToken()));
        assertEquals(newest.refreshTokenGeneration(), retried.refreshTokenGeneration());

        Thread.sleep(Math.max(0, 11_000 - (System.nanoTime() - rotated) / 1_000_000));
        assertInvalidGrant(spa.refresh(login.refreshToken()));
    }

    /** Issue 17, item 10: two policies applying the executor to one client act as one, with the stricter settings. */
    @Test
    void twoPoliciesCoveringOneClientMergeToTheStricterSettingsAndStartOneFamilyPerLogin() {
        ClientProfilesRepresentation profiles = new ClientProfilesRepresentation();
        String strict = "refresh-token-rotation-strict";
        profiles.setProfiles(List.of(RotationProfile.profile(RotationProfile.NAME, RotationProfile.configuration(30, "family", true)),
                RotationProfile.profile(strict, RotationProfile.configuration(0, "user-session", true))));
        realm.clientPoliciesProfilesResource().updateProfiles(profiles);
        ClientPoliciesRepresentation original = admin.policies();
        ClientPoliciesRepresentation both = admin.policies();
        ClientPolicyRepresentation strictPolicy = admin.policies().getPolicies().get(0);
        strictPolicy.setName("rotate-refresh-tokens-strictly");
        strictPolicy.setProfiles(List.of(strict));
        both.setPolicies(List.of(strictPolicy, both.getPolicies().get(0)));
        realm.clientPoliciesPoliciesResource().updatePolicies(both);
        try {
            OidcTestClient.Browser browser = new OidcTestClient.Browser();
            List<TokenResponse> logins = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                logins.add(spa.login(browser, "alice", "alice", ""));
            }
            // 30 logins are 30 families, within the bound of 50 per client session: none was dropped for an orphan
            ok(spa.refresh(logins.get(0).refreshToken()));

            TokenResponse login = logins.get(1);
            ok(spa.refresh(login.refreshToken()));
            assertInvalidGrant(spa.refresh(login.refreshToken()));   // no window: the stricter policy's 0 s

            List<EventRepresentation> reuses = admin.reuseEvents();
            assertEquals(1, reuses.size(), describe(reuses));
            assertEquals("user-session", reuses.get(0).getDetails().get("reuse_revocation_scope"), "the wider scope");
        } finally {
            admin.restorePolicies(original);
        }
    }

    // --- configuration -------------------------------------------------------------------------------------------

    @Test
    void theExecutorIsListedWithItsPropertiesForTheAdminConsole() {
        List<ComponentTypeRepresentation> executors = keycloak().admin().serverInfo().getInfo().getComponentTypes()
                .get("org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider");
        ComponentTypeRepresentation executor = executors.stream().filter(e -> RotationProfile.EXECUTOR.equals(e.getId())).findFirst()
                .orElseThrow(() -> new AssertionError("executor not deployed"));
        assertFalse(executor.getHelpText().isBlank());
        Map<String, ConfigPropertyRepresentation> properties = executor.getProperties().stream()
                .collect(Collectors.toMap(ConfigPropertyRepresentation::getName, p -> p));
        assertEquals(List.of("grace-period-seconds", "include-offline-tokens", "max-grace-siblings", "reuse-revocation-scope"),
                properties.keySet().stream().sorted().toList());
        properties.values().forEach(p -> assertFalse(p.getHelpText() == null || p.getHelpText().isBlank(), p.getName()));
        assertEquals(List.of("family", "client-session", "user-session"), properties.get("reuse-revocation-scope").getOptions());
        assertEquals("10", String.valueOf(properties.get("grace-period-seconds").getDefaultValue()));
        assertEquals("3", String.valueOf(properties.get("max-grace-siblings").getDefaultValue()));
        assertEquals("client-session", String.valueOf(properties.get("reuse-revocation-scope").getDefaultValue()));
        assertEquals("true", String.valueOf(properties.get("include-offline-tokens").getDefaultValue()));
    }

    @Test
    void invalidConfigurationIsRefusedWithA400NamingThePropertyAndNothingIsSaved() {
        ClientProfilesRepresentation before = realm.clientPoliciesProfilesResource().getProfiles(false);
        List<Map<String, Object>> invalid = List.of(
                Map.of("grace-period-seconds", "-1"),
                Map.of("grace-period-seconds", "abc"),
                Map.of("grace-period-seconds", 1.5),
                Map.of("grace-period-seconds", 301),
                Map.of("grace-period-seconds", List.of(1, 2)),
                Map.of("reuse-revocation-scope", "everything"),
                Map.of("include-offline-tokens", "maybe"),
                Map.of("max-grace-siblings", "0"),
                Map.of("max-grace-siblings", 101),
                Map.of("max-grace-siblings", "three"),
                Map.of("grace-period-second", "10"));

        for (Map<String, Object> configuration : invalid) {
            String property = configuration.keySet().iterator().next();
            try {
                realm.clientPoliciesProfilesResource().updateProfiles(RotationProfile.withConfiguration(JSON.valueToTree(configuration)));
                fail("accepted " + configuration);
            } catch (BadRequestException e) {
                JsonNode error = readJson(e.getResponse().readEntity(String.class));
                assertEquals(property, error.path("field").asText(), configuration + " -> " + error);
                assertTrue(error.path("errorMessage").asText().contains(property + ":"), configuration + " -> " + error);
            }
        }
        assertEquals(JSON.valueToTree(before), JSON.valueToTree(realm.clientPoliciesProfilesResource().getProfiles(false)));
    }

    @Test
    void theAdminConsolesStringValuesAndJsonValuesAreBothAccepted() {
        realm.clientPoliciesProfilesResource().updateProfiles(RotationProfile.withConfiguration(JSON.valueToTree(
                Map.of("grace-period-seconds", 5, "reuse-revocation-scope", "user-session", "include-offline-tokens", false))));
        realm.clientPoliciesProfilesResource().updateProfiles(RotationProfile.withConfiguration(JSON.valueToTree(
                Map.of("grace-period-seconds", 5, "reuse-revocation-scope", "user-session", "include-offline-tokens", false,
                        "max-grace-siblings", 2))));
        realm.clientPoliciesProfilesResource().updateProfiles(RotationProfile.withConfiguration(JSON.valueToTree(
                Map.of("grace-period-seconds", "5", "reuse-revocation-scope", "family", "include-offline-tokens", "false",
                        "max-grace-siblings", "4"))));
        JsonNode stored = realm.clientPoliciesProfilesResource().getProfiles(false).getProfiles().stream()
                .filter(p -> RotationProfile.NAME.equals(p.getName())).findFirst().orElseThrow()
                .getExecutors().get(0).getConfiguration();
        assertEquals("5", stored.get("grace-period-seconds").asText());
        assertEquals("family", stored.get("reuse-revocation-scope").asText());
        assertEquals("4", stored.get("max-grace-siblings").asText());
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private record Chain(TokenResponse first, TokenResponse middle, TokenResponse newest) {
    }

    /** T0 → T1 → T2 with all three issued within the same second (retried until the clock cooperates). */
    private Chain sameSecondChain() {
        for (int attempt = 0; attempt < 10; attempt++) {
            TokenResponse first = spa.login("alice", "alice");
            TokenResponse middle = ok(spa.refresh(first.refreshToken()));
            TokenResponse newest = ok(spa.refresh(middle.refreshToken()));
            if (iat(first) == iat(newest)) {
                return new Chain(first, middle, newest);
            }
        }
        throw new AssertionError("could not issue three tokens within one second in 10 attempts");
    }

    private List<TokenResponse> refreshInParallel(String refreshToken, int count) throws Exception {
        List<OidcTestClient> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            clients.add(new OidcTestClient(keycloak().baseUrl(), REALM, SPA, SPA_REDIRECT));
        }
        return ParallelRefresh.of(refreshToken, clients);
    }

    private static JsonNode readJson(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static String sessionIdOf(TokenResponse response) {
        return (String) response.refreshTokenClaims().get("sid");
    }

    private static String family(TokenResponse response) {
        return (String) response.refreshTokenClaims().get("rtr_fam");
    }

    private static long iat(TokenResponse response) {
        return ((Number) response.refreshTokenClaims().get("iat")).longValue();
    }

    private static String signatureOf(String jwt) {
        return jwt.substring(jwt.lastIndexOf('.') + 1);
    }

    static TokenResponse ok(TokenResponse response) {
        assertEquals(200, response.status(), () -> "refresh failed: " + response);
        assertNotNull(response.refreshToken(), "no refresh token in the response");
        return response;
    }

    static void assertInvalidGrant(TokenResponse response) {
        assertEquals(400, response.status(), () -> "expected a refusal: " + response);
        assertEquals("invalid_grant", response.error(), response::toString);
    }

    private static void assertNoServerErrors(List<TokenResponse> results) {
        assertTrue(results.stream().noneMatch(r -> r.status() >= 500), "a 5xx: " + results);
    }
}
