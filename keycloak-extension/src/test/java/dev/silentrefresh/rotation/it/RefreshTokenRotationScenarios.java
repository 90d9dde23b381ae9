package dev.silentrefresh.rotation.it;

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

import jakarta.ws.rs.BadRequestException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientPoliciesRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ComponentTypeRepresentation;
import org.keycloak.representations.idm.ConfigPropertyRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserSessionRepresentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The behaviour contract of the {@code refresh-token-rotation} executor, written once against any
 * {@link KeycloakUnderTest}: a server started by Keycloak's test framework, or a Testcontainers container.
 *
 * <p>Every test starts from {@code realm-export.json} as imported, sets the executor configuration it needs, and logs in
 * through Keycloak's real login page with authorization code + PKCE, so each test has its own user session.
 */
public abstract class RefreshTokenRotationScenarios {

    protected static final String REALM = "demo";
    protected static final String SPA = "demo-spa";
    protected static final String SPA_REDIRECT = "http://localhost:8081/";
    protected static final String OTHER_CLIENT = "other-spa";
    protected static final String OTHER_REDIRECT = "http://localhost:8081/other";
    protected static final String OTHER_REALM = "rotation-other-realm";

    private static final String REUSED = "refresh_token_reused";
    private static final ObjectMapper JSON = new ObjectMapper();

    protected abstract KeycloakUnderTest keycloak();

    private RealmResource realm;
    private OidcTestClient spa;

    @BeforeEach
    void startFromTheImportedRealm() {
        realm = keycloak().admin().realm(REALM);
        spa = new OidcTestClient(keycloak().baseUrl(), REALM, SPA, SPA_REDIRECT);
        configureRotation(0, "client-session", true);
        RealmRepresentation settings = realm.toRepresentation();
        if (Boolean.TRUE.equals(settings.getRevokeRefreshToken())) {
            settings.setRevokeRefreshToken(false);
            realm.update(settings);
        }
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
    void rotationAndReuseDetectionAlsoWorkWithTheRealmsOwnRevokeRefreshTokenOn() {
        RealmRepresentation settings = realm.toRepresentation();
        settings.setRevokeRefreshToken(true);
        realm.update(settings);

        TokenResponse login = spa.login("alice", "alice");
        TokenResponse first = ok(spa.refresh(login.refreshToken()));
        TokenResponse second = ok(spa.refresh(first.refreshToken()));
        TokenResponse third = ok(spa.refresh(second.refreshToken()));
        assertEquals(3, third.refreshTokenGeneration());

        assertInvalidGrant(spa.refresh(first.refreshToken()));
        assertEquals(1, reuseEvents().size(), "the executor, not Keycloak's built-in check, caught the replay");
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
        assertFalse(clientsOfSession("alice", sessionId).contains(SPA), "the client session is gone");
    }

    @Test
    void aReuseIsRecordedAsOneRefreshTokenErrorEventWithItsDetails() {
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        List<EventRepresentation> errors = realm.getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 100);
        assertEquals(1, errors.size(), "exactly one error event, no generic client-policy duplicate: " + describe(errors));
        EventRepresentation event = errors.get(0);
        Map<String, String> details = event.getDetails();
        assertAll(
                () -> assertEquals(REUSED, event.getError()),
                () -> assertEquals(SPA, event.getClientId()),
                () -> assertEquals(userId("alice"), event.getUserId()),
                () -> assertEquals(sessionIdOf(newest), event.getSessionId()),
                () -> assertEquals(family(login), details.get("refresh_token_family")),
                () -> assertEquals(Jwt.claims(login.refreshToken()).get("jti"), details.get("refresh_token_id")),
                () -> assertEquals("client-session", details.get("reuse_revocation_scope")));
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
                .filter(line -> line.startsWith("keycloak_user_events_total") && line.contains("error=\"" + REUSED + "\""))
                .toList();
        assertFalse(reuseCounters.isEmpty(), "no keycloak_user_events_total counter for " + REUSED);
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
    void userSessionScopeLogsTheWholeSsoSessionOutOfEveryClient() {
        ensureOtherClient();
        configureRotation(0, "user-session", true);
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse login = spa.login(browser, "alice", "alice", "");
        TokenResponse otherLogin = other.login(browser, "alice", "alice", "");
        assertEquals(sessionIdOf(login), sessionIdOf(otherLogin), "one SSO session for both clients");
        ok(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        assertTrue(sessionIdsOf("alice").stream().noneMatch(sessionIdOf(login)::equals), "the user session is gone");
        assertInvalidGrant(other.refresh(otherLogin.refreshToken()));
        assertEquals("user-session", reuseEvents().get(0).getDetails().get("reuse_revocation_scope"));
    }

    @Test
    void clientSessionScopeLeavesTheUsersOtherClientsLoggedIn() {
        ensureOtherClient();
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient.Browser browser = new OidcTestClient.Browser();
        TokenResponse login = spa.login(browser, "alice", "alice", "");
        TokenResponse otherLogin = other.login(browser, "alice", "alice", "");
        ok(spa.refresh(login.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));

        ok(other.refresh(otherLogin.refreshToken()));
    }

    // --- 3. grace window -----------------------------------------------------------------------------------------

    @Test
    void insideTheGraceWindowThePreviousTokenGetsASiblingAndTheChainStaysSingle() {
        configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));

        TokenResponse retry = ok(spa.refresh(login.refreshToken()));

        assertEquals(newest.refreshTokenGeneration(), retry.refreshTokenGeneration(), "a sibling of the newest token, not a new branch");
        TokenResponse next = ok(spa.refresh(newest.refreshToken()));
        assertEquals(2, next.refreshTokenGeneration());
        ok(spa.refresh(next.refreshToken()));
        assertTrue(reuseEvents().isEmpty(), "no revocation inside the window");
    }

    @Test
    void insideTheGraceWindowAnyOlderAncestorIsStillReuse() {
        configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse first = ok(spa.refresh(login.refreshToken()));
        TokenResponse second = ok(spa.refresh(first.refreshToken()));

        assertInvalidGrant(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(second.refreshToken()));
        assertEquals(1, reuseEvents().size());
    }

    @Test
    void afterTheGraceWindowThePreviousTokenIsReuse() throws InterruptedException {
        configureRotation(2, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse newest = ok(spa.refresh(login.refreshToken()));

        Thread.sleep(3_000);

        assertInvalidGrant(spa.refresh(login.refreshToken()));
        assertInvalidGrant(spa.refresh(newest.refreshToken()));
    }

    @Test
    void aSiblingUsedAfterItsTwinHasRotatedTwiceIsReuse() {
        configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse twin = ok(spa.refresh(login.refreshToken()));
        TokenResponse sibling = ok(spa.refresh(login.refreshToken()));
        TokenResponse next = ok(spa.refresh(twin.refreshToken()));
        ok(spa.refresh(next.refreshToken()));

        assertInvalidGrant(spa.refresh(sibling.refreshToken()));
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
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse current = ok(spa.refresh(login.refreshToken()));

        List<TokenResponse> results = refreshInParallel(current.refreshToken(), 10);

        assertNoServerErrors(results);
        List<TokenResponse> successes = results.stream().filter(r -> r.status() == 200).toList();
        assertEquals(1, successes.size(), "exactly one winner: " + results);
        results.stream().filter(r -> r.status() != 200).forEach(RefreshTokenRotationScenarios::assertInvalidGrant);
        // the losers replayed a used token, so the whole family is revoked and nothing forks off it
        assertInvalidGrant(spa.refresh(successes.get(0).refreshToken()));
    }

    @Test
    void parallelRefreshesInsideTheGraceWindowAllSucceedOnOneChain() throws Exception {
        configureRotation(30, "client-session", true);
        TokenResponse login = spa.login("alice", "alice");
        TokenResponse current = ok(spa.refresh(login.refreshToken()));

        List<TokenResponse> results = refreshInParallel(current.refreshToken(), 10);

        assertNoServerErrors(results);
        results.forEach(RefreshTokenRotationScenarios::ok);
        assertEquals(List.of(2), results.stream().map(TokenResponse::refreshTokenGeneration).distinct().toList(),
                "every response is generation 2: the family advanced once");
        // one chain: once one sibling has moved on two generations, another sibling is reuse
        TokenResponse next = ok(spa.refresh(results.get(0).refreshToken()));
        ok(spa.refresh(next.refreshToken()));
        assertInvalidGrant(spa.refresh(results.get(1).refreshToken()));
    }

    // --- 6. forgery cannot revoke --------------------------------------------------------------------------------

    @Test
    void forgedOrForeignTokensAreRefusedWithoutRevokingAnything() {
        ensureOtherClient();
        createOtherRealm();
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
        assertTrue(reuseEvents().isEmpty(), "nothing was revoked");
        ok(spa.refresh(victimNewest.refreshToken()));
    }

    @Test
    void aMissingRefreshTokenIsAnInvalidRequest() {
        TokenResponse response = spa.refresh(null);
        assertEquals(400, response.status());
        assertEquals("invalid_request", response.error());
    }

    // --- 7. per client -------------------------------------------------------------------------------------------

    @Test
    void clientsOutsideThePolicyKeepKeycloaksStockBehaviour() {
        ensureOtherClient();
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        TokenResponse login = other.login("alice", "alice");
        TokenResponse first = ok(other.refresh(login.refreshToken()));

        TokenResponse again = ok(other.refresh(login.refreshToken()));

        for (TokenResponse response : List.of(login, first, again)) {
            assertNull(response.refreshTokenClaims().get("rtr_fam"), "no claims added for an uncovered client");
            assertNull(response.refreshTokenClaims().get("rtr_gen"));
        }
        ok(other.refresh(first.refreshToken()));
        assertTrue(reuseEvents().isEmpty());
    }

    @Test
    void enablingThePolicyOnALoggedInClientAdoptsItsTokensInsteadOfLoggingAnyoneOut() {
        ensureOtherClient();
        OidcTestClient other = new OidcTestClient(keycloak().baseUrl(), REALM, OTHER_CLIENT, OTHER_REDIRECT);
        TokenResponse login = other.login("alice", "alice");
        setClientAttribute(OTHER_CLIENT, "refresh-token-rotation", "enabled");
        try {
            TokenResponse adopted = ok(other.refresh(login.refreshToken()));
            assertEquals(1, adopted.refreshTokenGeneration());
            ok(other.refresh(adopted.refreshToken()));

            assertInvalidGrant(other.refresh(login.refreshToken()));
        } finally {
            setClientAttribute(OTHER_CLIENT, "refresh-token-rotation", null);
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
        String sessionId = sessionIdOf(newest);
        assertTrue(realm.users().get(userId("alice")).getOfflineSessions(clientUuid(SPA)).stream()
                .noneMatch(offline -> offline.getId().equals(sessionId)), "the offline client session is revoked");
    }

    @Test
    void offlineTokensKeepStockBehaviourWhenExcluded() {
        configureRotation(0, "client-session", false);
        TokenResponse login = ok(spa.login("alice", "alice", "offline_access"));
        TokenResponse first = ok(spa.refresh(login.refreshToken()));

        ok(spa.refresh(login.refreshToken()));
        ok(spa.refresh(first.refreshToken()));
        assertNull(first.refreshTokenClaims().get("rtr_gen"));
        assertTrue(reuseEvents().isEmpty());
    }

    @Test
    void theExecutorInTwoProfilesOfOnePolicyRotatesOncePerRefresh() {
        ClientProfilesRepresentation profiles = RotationProfile.withConfiguration(JSON.createObjectNode());
        ClientProfileRepresentation second = new ClientProfileRepresentation();
        second.setName("refresh-token-rotation-again");
        second.setExecutors(profiles.getProfiles().get(0).getExecutors());
        profiles.setProfiles(List.of(profiles.getProfiles().get(0), second));
        realm.clientPoliciesProfilesResource().updateProfiles(profiles);
        ClientPoliciesRepresentation policies = realm.clientPoliciesPoliciesResource().getPolicies(false);
        ClientPoliciesRepresentation original = JSON.convertValue(JSON.valueToTree(policies), ClientPoliciesRepresentation.class);
        policies.getPolicies().get(0).setProfiles(List.of(RotationProfile.NAME, second.getName()));
        realm.clientPoliciesPoliciesResource().updatePolicies(policies);
        try {
            TokenResponse current = spa.login("alice", "alice");
            for (int generation = 1; generation <= 3; generation++) {
                current = ok(spa.refresh(current.refreshToken()));
                assertEquals(generation, current.refreshTokenGeneration());
            }
        } finally {
            realm.clientPoliciesPoliciesResource().updatePolicies(original);
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
        assertEquals(List.of("grace-period-seconds", "include-offline-tokens", "reuse-revocation-scope"),
                properties.keySet().stream().sorted().toList());
        properties.values().forEach(p -> assertFalse(p.getHelpText() == null || p.getHelpText().isBlank(), p.getName()));
        assertEquals(List.of("client-session", "user-session"), properties.get("reuse-revocation-scope").getOptions());
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
                Map.of("grace-period-seconds", "5", "reuse-revocation-scope", "user-session", "include-offline-tokens", "false"))));
        JsonNode stored = realm.clientPoliciesProfilesResource().getProfiles(false).getProfiles().stream()
                .filter(p -> RotationProfile.NAME.equals(p.getName())).findFirst().orElseThrow()
                .getExecutors().get(0).getConfiguration();
        assertEquals("5", stored.get("grace-period-seconds").asText());
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

    private void configureRotation(int graceSeconds, String scope, boolean includeOffline) {
        RotationProfile.configure(realm, graceSeconds, scope, includeOffline);
    }

    private void ensureOtherClient() {
        if (!realm.clients().findByClientId(OTHER_CLIENT).isEmpty()) {
            return;
        }
        realm.clients().create(TestRealms.publicClient(OTHER_CLIENT, OTHER_REDIRECT)).close();
    }

    private void createOtherRealm() {
        keycloak().admin().realms().create(TestRealms.realmWithAlice(OTHER_REALM, TestRealms.publicClient(SPA, SPA_REDIRECT)));
    }

    private void setClientAttribute(String clientId, String name, String value) {
        ClientRepresentation client = realm.clients().findByClientId(clientId).get(0);
        if (value == null) {
            client.getAttributes().remove(name);
            client.getAttributes().put(name, "");
        } else {
            client.getAttributes().put(name, value);
        }
        realm.clients().get(client.getId()).update(client);
    }

    private String clientUuid(String clientId) {
        return realm.clients().findByClientId(clientId).get(0).getId();
    }

    private String userId(String username) {
        return realm.users().searchByUsername(username, true).get(0).getId();
    }

    private List<String> sessionIdsOf(String username) {
        return realm.users().get(userId(username)).getUserSessions().stream().map(UserSessionRepresentation::getId).toList();
    }

    private List<String> clientsOfSession(String username, String sessionId) {
        return realm.users().get(userId(username)).getUserSessions().stream()
                .filter(s -> s.getId().equals(sessionId))
                .flatMap(s -> s.getClients().values().stream())
                .toList();
    }

    private List<EventRepresentation> reuseEvents() {
        return realm.getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 100).stream()
                .filter(e -> REUSED.equals(e.getError()))
                .toList();
    }

    private static JsonNode readJson(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static String describe(List<EventRepresentation> events) {
        return events.stream().map(e -> e.getType() + "/" + e.getError() + e.getDetails()).toList().toString();
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
