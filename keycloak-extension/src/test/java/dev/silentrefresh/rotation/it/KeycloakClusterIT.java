package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.assertInvalidGrant;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.EventRepresentation;

import dev.silentrefresh.rotation.testhook.SlowCommitPostProcessorFactory;

/**
 * Two Keycloak 26.7.3 nodes in one Infinispan cluster on a shared PostgreSQL, on loopback: rotation state and the family
 * lock must hold across nodes, as they do in a scaled-out deployment. Both nodes serve the same issuer, as they would
 * behind a load balancer.
 */
class KeycloakClusterIT {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final String DATABASE = "keycloak_cluster_it";
    /** Short, so that the retries after a fault come after it: a rotation left behind would be reuse then. */
    private static final int GRACE_SECONDS_UNDER_FAULTS = 2;
    /**
     * How long the test hook holds back a commit: far beyond the executor's wait for a claim's holder (about 0.6 s), with
     * room for the competing request to arrive on a busy machine.
     */
    private static final long SLOW_COMMIT_MILLIS = 6_000;
    private static final String BROWSER_ORIGIN = "http://localhost:8081";
    private static final String OTHER_CLIENT = "other-spa";
    private static final String OTHER_REDIRECT = "http://localhost:8081/other";

    private static KeycloakCluster cluster;
    private static LocalPostgres postgres;
    private static KeycloakDistribution nodeA;
    private static KeycloakDistribution nodeB;
    private static Keycloak admin;

    @BeforeAll
    static void startTwoNodeCluster() throws Exception {
        cluster = KeycloakCluster.start(Path.of("target", "keycloak-cluster").toAbsolutePath(), DATABASE,
                Path.of("..", "realm-export.json").toAbsolutePath().normalize(), START_TIMEOUT);
        postgres = cluster.postgres();
        nodeA = cluster.nodeA();
        nodeB = cluster.nodeB();
        admin = nodeA.admin();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aTokenRotatedOnOneNodeIsReuseOnTheOtherAndTheFamilyDiesOnBoth() {
        RotationProfile.configure(demo(), 0, "client-session", true);
        TokenResponse login = spa(nodeA).login("alice", "alice");
        TokenResponse newest = ok(spa(nodeA).refresh(login.refreshToken()));

        assertInvalidGrant(spa(nodeB).refresh(login.refreshToken()));

        assertInvalidGrant(spa(nodeB).refresh(newest.refreshToken()));
        assertInvalidGrant(spa(nodeA).refresh(newest.refreshToken()));
    }

    @Test
    void aChainAlternatingBetweenTheNodesKeepsRotating() {
        RotationProfile.configure(demo(), 0, "client-session", true);
        TokenResponse current = spa(nodeA).login("alice", "alice");
        for (int generation = 1; generation <= 6; generation++) {
            KeycloakDistribution node = generation % 2 == 0 ? nodeA : nodeB;
            current = ok(spa(node).refresh(current.refreshToken()));
            assertEquals(generation, current.refreshTokenGeneration());
        }
    }

    @Test
    void parallelRefreshesSpreadOverBothNodesLetExactlyOneThroughWithoutAWindow() throws Exception {
        RotationProfile.configure(demo(), 0, "client-session", true);
        for (int round = 0; round < 5; round++) {
            TokenResponse login = spa(nodeA).login("alice", "alice");

            List<TokenResponse> results = refreshOnBothNodes(login.refreshToken(), 10);

            assertTrue(results.stream().noneMatch(r -> r.status() >= 500), "a 5xx: " + results);
            assertEquals(1, results.stream().filter(r -> r.status() == 200).count(), "round " + round + ": " + results);
            results.stream().filter(r -> r.status() != 200).forEach(RefreshTokenRotationScenarios::assertInvalidGrant);
        }
    }

    @Test
    void parallelRefreshesOnBothNodesInsideTheGraceWindowAllSucceedOnOneChain() throws Exception {
        // ten requests with one token: the rotation and nine siblings, which the bound must allow here
        RotationProfile.configure(demo(), 30, "client-session", true, 10);
        TokenResponse login = spa(nodeA).login("alice", "alice");
        TokenResponse current = ok(spa(nodeB).refresh(login.refreshToken()));

        List<TokenResponse> results = refreshOnBothNodes(current.refreshToken(), 10);

        results.forEach(RefreshTokenRotationScenarios::ok);
        assertEquals(List.of(2), results.stream().map(TokenResponse::refreshTokenGeneration)
                .distinct().toList(), "every response is generation 2: the family advanced once across the cluster");
    }

    @Test
    void aDatabaseCrashDuringRefreshesRevokesNothingAndEveryChainGoesOnAfterwards() throws Exception {
        List<TokenResponse> chains = fourChainsWithAGraceWindowOf(GRACE_SECONDS_UNDER_FAULTS);

        postgres.crash();
        try {
            assertEveryRefreshIsAFault(chains);
        } finally {
            postgres.start();
        }

        assertEveryChainGoesOnAfterTheWindowWithoutReuse(chains);
    }

    @Test
    void aSessionStoreThatFailsToWriteARefreshRevokesNothingAndTheSameTokenWorksAgain() throws Exception {
        List<TokenResponse> chains = fourChainsWithAGraceWindowOf(GRACE_SECONDS_UNDER_FAULTS);

        // every refresh now gets as far as its commit, and the commit fails (keycloak#49213)
        postgres.failSessionWrites(DATABASE);
        try {
            assertEveryRefreshIsAFault(chains);
        } finally {
            postgres.allowSessionWrites(DATABASE);
        }

        assertEveryChainGoesOnAfterTheWindowWithoutReuse(chains);
    }

    // --- the single-use store as it really is (issue 17, items 3, 6, 8, 9), with the test hook --------------------------

    /** Item 8: the holder record is seen while the winner's commit is still pending, so a duplicate is told what it is. */
    @Test
    void aDuplicateArrivingWhileTheWinnersCommitStallsGetsASiblingNotA503() throws Exception {
        RotationProfile.configure(demo(), 30, "client-session", true);
        TokenResponse current = ok(spa(nodeA).refresh(spa(nodeA).login("alice", "alice").refreshToken()));

        CompletableFuture<TokenResponse> winner = stalledRefresh(nodeA, spa(nodeA), current.refreshToken());
        TokenResponse duplicate = spa(nodeB).refresh(current.refreshToken());

        assertEquals(2, ok(duplicate).refreshTokenGeneration(), "a sibling of the winner's token");
        assertEquals(2, ok(winner.get()).refreshTokenGeneration());
    }

    @Test
    void anotherTokenOfTheGenerationArrivingWhileTheWinnersCommitStallsIsReuseNotA503() throws Exception {
        RotationProfile.configure(demo(), 30, "client-session", true);
        demo().clearEvents();
        TokenResponse login = spa(nodeA).login("alice", "alice");
        TokenResponse twin = ok(spa(nodeA).refresh(login.refreshToken()));
        TokenResponse sibling = ok(spa(nodeB).refresh(login.refreshToken()));   // inside the window: two tokens of generation 1

        CompletableFuture<TokenResponse> winner = stalledRefresh(nodeA, spa(nodeA), twin.refreshToken());
        TokenResponse other = spa(nodeB).refresh(sibling.refreshToken());

        assertInvalidGrant(other);
        TokenResponse won = ok(winner.get());
        assertInvalidGrant(spa(nodeA).refresh(won.refreshToken()));
        assertEquals(1, reuseEvents().size());
    }

    /**
     * Item 8: a claim that names no holder (a request that died with its node) answers 503 once, and the same token coming
     * back adopts it: the note of having seen it must be stored although the first request is rolled back.
     */
    @Test
    void aClaimLeftWithoutAHolderAnswers503OnceAndIsAdoptedWhenTheSameTokenComesBack() {
        RotationProfile.configure(demo(), 0, "client-session", true);
        demo().clearEvents();
        TokenResponse current = ok(spa(nodeA).refresh(spa(nodeA).login("alice", "alice").refreshToken()));
        leaveClaimWithoutHolder(nodeA, current);

        TokenResponse first = spa(nodeA).refresh(current.refreshToken());
        assertEquals(503, first.status(), first::toString);

        TokenResponse again = ok(spa(nodeB).refresh(current.refreshToken()));
        assertEquals(2, again.refreshTokenGeneration());
        ok(spa(nodeA).refresh(again.refreshToken()));
        assertTrue(reuseEvents().isEmpty());
    }

    /** Item 6 (contract 1): the executor's own 503 says nothing was consumed, and a browser may read its Retry-After. */
    @Test
    void theExecutors503SaysNothingWasConsumedAndABrowserCanReadItsRetryAfter() {
        RotationProfile.configure(demo(), 0, "client-session", true);
        TokenResponse current = ok(spa(nodeA).refresh(spa(nodeA).login("alice", "alice").refreshToken()));
        leaveClaimWithoutHolder(nodeA, current);

        TokenResponse fault = spa(nodeA).refresh(current.refreshToken(), Map.of("Origin", BROWSER_ORIGIN));

        assertEquals(503, fault.status(), fault::toString);
        HttpHeaders headers = fault.raw().headers();
        assertEquals("2", headers.firstValue("Retry-After").orElse(null));
        assertEquals(BROWSER_ORIGIN, headers.firstValue("Access-Control-Allow-Origin").orElse(null));
        List<String> exposed = headers.allValues("Access-Control-Expose-Headers").stream()
                .flatMap(value -> Arrays.stream(value.split(","))).map(String::trim).map(s -> s.toLowerCase(Locale.ROOT)).toList();
        assertTrue(exposed.contains("retry-after"), "Retry-After is not readable by a browser: exposed " + exposed);
        assertEquals("temporarily_unavailable", fault.error());
        assertEquals(Boolean.FALSE, fault.body().get("refresh_token_consumed"), "the contract's mark: " + fault.body().keySet());
        assertEquals("no-store", headers.firstValue("Cache-Control").orElse(null));
    }

    /** Item 9: a revocation that cannot be written revokes nothing, says so, and the replay is caught once writes work. */
    @Test
    void aRevocationThatCannotBeWrittenRevokesNothingAndTheReplayIsCaughtOnceWritesWorkAgain() throws Exception {
        RotationProfile.configure(demo(), 0, "family", true);
        demo().clearEvents();
        TokenResponse login = spa(nodeA).login("alice", "alice");
        TokenResponse newest = ok(spa(nodeA).refresh(login.refreshToken()));

        postgres.failSessionWrites(DATABASE);
        TokenResponse replay;
        try {
            replay = spa(nodeB).refresh(login.refreshToken());
        } finally {
            postgres.allowSessionWrites(DATABASE);
        }
        assertEquals(503, replay.status(), replay::toString);
        assertTrue(reuseEvents().isEmpty(), "no event claims a revocation that did not happen");

        // the answer said nothing was revoked: the honest holder goes on
        TokenResponse next = ok(refreshWhileKeycloakReconnects(spa(nodeA), newest.refreshToken()));

        assertInvalidGrant(refreshWhileKeycloakReconnects(spa(nodeB), login.refreshToken()));
        assertInvalidGrant(spa(nodeA).refresh(next.refreshToken()));
        List<EventRepresentation> reuses = reuseEvents();
        assertEquals(1, reuses.size());
        assertEquals("revoked", reuses.get(0).getDetails().get("reuse_revocation"));
        assertEquals(Boolean.FALSE, replay.body().get("refresh_token_consumed"), "the 503 was the executor's own");
    }

    /**
     * The same for an RFC 7009 revocation under the {@code family} scope, which the executor writes itself: a revocation
     * that cannot be written answers {@code 503} (RFC 7009 §2.2.1: retry), and neither revokes, marks nor records
     * anything, so the family goes on; the same request once writes work revokes it.
     */
    @Test
    void aRevocationRequestThatCannotBeWrittenAnswers503AndRevokesNothingUntilWritesWorkAgain() throws Exception {
        RotationProfile.configure(demo(), 0, "family", true);
        demo().clearEvents();
        TokenResponse login = spa(nodeA).login("alice", "alice");
        TokenResponse newest = ok(spa(nodeA).refresh(login.refreshToken()));

        postgres.failSessionWrites(DATABASE);
        HttpResponse<String> refused;
        try {
            refused = spa(nodeB).revoke(newest.refreshToken(), "refresh_token", Map.of("Origin", BROWSER_ORIGIN));
        } finally {
            postgres.allowSessionWrites(DATABASE);
        }
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("temporarily_unavailable"), refused.body());
        assertEquals(BROWSER_ORIGIN, refused.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(revocationEvents().isEmpty(), "no event claims a revocation that did not happen");

        // nothing was revoked or marked: the family goes on, on either node
        TokenResponse next = ok(refreshWhileKeycloakReconnects(spa(nodeB), newest.refreshToken()));
        TokenResponse after = ok(spa(nodeA).refresh(next.refreshToken()));

        HttpResponse<String> revoked = spa(nodeB).revoke(after.refreshToken(), "refresh_token", Map.of());
        assertEquals(200, revoked.statusCode(), revoked.body());
        assertInvalidGrant(spa(nodeA).refresh(after.refreshToken()));
        assertEquals(1, revocationEvents().size());
        assertTrue(reuseEvents().isEmpty(), "a revocation is no reuse");
    }

    /** Item 3: the adoption's loser revokes the family that won it, while the winner's commit is still pending. */
    @Test
    void anAdoptionLostToAPendingWinnerRevokesTheWinnersFamilyUnderTheFamilyScope() throws Exception {
        RotationProfile.configure(demo(), 0, "family", true);
        demo().clearEvents();
        DemoRealmAdmin realmAdmin = new DemoRealmAdmin(demo());
        realmAdmin.ensurePublicClient(OTHER_CLIENT, OTHER_REDIRECT);
        OidcTestClient other = new OidcTestClient(nodeA.baseUrl(), "demo", OTHER_CLIENT, OTHER_REDIRECT);
        TokenResponse older = other.login("alice", "alice");
        TokenResponse newer = ok(other.refresh(older.refreshToken()));   // stock Keycloak: both stay valid
        realmAdmin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, "enabled");
        try {
            CompletableFuture<TokenResponse> winner = stalledRefresh(nodeA, other, older.refreshToken());
            TokenResponse loser = new OidcTestClient(nodeB.baseUrl(), "demo", OTHER_CLIENT, OTHER_REDIRECT).refresh(newer.refreshToken());

            assertInvalidGrant(loser);
            TokenResponse adopted = ok(winner.get());
            assertInvalidGrant(other.refresh(adopted.refreshToken()));
            List<EventRepresentation> reuses = reuseEvents();
            assertEquals(1, reuses.size());
            assertEquals(adopted.refreshTokenClaims().get("rtr_fam"), reuses.get(0).getDetails().get("refresh_token_family"));
        } finally {
            realmAdmin.setClientAttribute(OTHER_CLIENT, DemoRealmAdmin.ROTATION_ATTRIBUTE, null);
        }
    }

    /**
     * Item 10: a revocation leaves one mark in the replicated single-use store whatever its scope and however many logins
     * the client session holds, so the store grows by one key per detected reuse; and what one such key costs.
     */
    @Test
    void aRevocationLeavesOneMarkWhateverItsScopeAndHoweverManyFamiliesItEnds() {
        for (String scope : List.of("family", "client-session", "user-session")) {
            RotationProfile.configure(demo(), 0, scope, true);
            OidcTestClient.Browser browser = new OidcTestClient.Browser();
            TokenResponse replayed = spa(nodeA).login(browser, "alice", "alice", "");
            for (int tab = 0; tab < 4; tab++) {
                spa(nodeA).login(browser, "alice", "alice", "");   // four more families in the same client session
            }
            ok(spa(nodeA).refresh(replayed.refreshToken()));
            long before = marks(nodeA);

            assertInvalidGrant(spa(nodeB).refresh(replayed.refreshToken()));

            assertEquals(before + 1, marks(nodeA), scope + ": one key per revocation");
        }
        int perKey = Integer.parseInt(hook(nodeA, "POST", "single-use-objects/measure?count=20000"));
        System.out.printf("[measured] a revocation mark: %d bytes of heap on each of its two owners%n", perKey);
    }

    private static long marks(KeycloakDistribution node) {
        return Long.parseLong(hook(node, "GET", "single-use-objects/count?prefix=rtr:revoked:"));
    }

    private static String hook(KeycloakDistribution node, String method, String path) {
        HttpResponse<String> response = OidcTestClient.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
                URI.create(node.baseUrl() + "/realms/demo/rtr-test-hook/" + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofMinutes(2)).build());
        assertEquals(200, response.statusCode(), method + " " + path);
        return response.body().trim();
    }

    /**
     * A refresh through {@code client} (of {@code node}) whose commit the test hook holds back for
     * {@link #SLOW_COMMIT_MILLIS}; returns once the request is stalled in its commit, so it holds its claim by then.
     */
    private static CompletableFuture<TokenResponse> stalledRefresh(KeycloakDistribution node, OidcTestClient client, String refreshToken)
            throws Exception {
        long stallsBefore = stalledCommits(node);
        CompletableFuture<TokenResponse> refresh = CompletableFuture.supplyAsync(() -> client.refresh(refreshToken,
                Map.of(SlowCommitPostProcessorFactory.COMMIT_DELAY_HEADER, Long.toString(SLOW_COMMIT_MILLIS))));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (stalledCommits(node) == stallsBefore) {
            if (System.nanoTime() > deadline || refresh.isDone()) {
                throw new IllegalStateException("the refresh never stalled in its commit: " + (refresh.isDone() ? refresh.get() : "no answer"));
            }
            Thread.sleep(20);
        }
        return refresh;
    }

    private static long stalledCommits(KeycloakDistribution node) throws IOException {
        return node.serverLog().lines().filter(line -> line.contains("test hook: holding this request's commit back")).count();
    }

    /** Takes the claim on moving the token's family on from its generation, as a request that died right after would. */
    private static void leaveClaimWithoutHolder(KeycloakDistribution node, TokenResponse token) {
        String key = "rtr:claim:" + token.refreshTokenClaims().get("rtr_fam") + ":" + token.refreshTokenGeneration();
        HttpResponse<String> taken = OidcTestClient.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
                URI.create(node.baseUrl() + "/realms/demo/rtr-test-hook/single-use-objects/" + URLEncoder.encode(key, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(204, taken.statusCode(), "the test hook is not deployed, or the claim was taken: " + taken.statusCode());
    }

    private static List<EventRepresentation> revocationEvents() {
        return demo().getEvents(List.of("REVOKE_GRANT"), null, null, null, null, null, 0, 100);
    }

    private static List<EventRepresentation> reuseEvents() {
        return demo().getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 100).stream()
                .filter(e -> "refresh_token_reused".equals(e.getError())).toList();
    }

    /** Four logins, each refreshed once, every other one on each node. */
    private static List<TokenResponse> fourChainsWithAGraceWindowOf(int graceSeconds) {
        RotationProfile.configure(demo(), graceSeconds, "client-session", true);
        demo().clearEvents();
        List<TokenResponse> chains = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            chains.add(ok(spa(nodeOf(i)).refresh(spa(nodeOf(i)).login("alice", "alice").refreshToken())));
        }
        return chains;
    }

    private static void assertEveryRefreshIsAFault(List<TokenResponse> chains) {
        for (int i = 0; i < chains.size(); i++) {
            TokenResponse failed = spa(nodeOf(i)).refresh(chains.get(i).refreshToken());
            assertTrue(failed.status() >= 500, "a refresh that cannot be stored is a fault, not a refusal: " + failed);
        }
    }

    /**
     * Retries every chain's token after the grace window, on the node whose request failed: a rotation the failed request
     * left behind in that node's cache would now count as reuse. Then one more refresh on the other node.
     */
    private static void assertEveryChainGoesOnAfterTheWindowWithoutReuse(List<TokenResponse> chains) throws InterruptedException {
        Thread.sleep(GRACE_SECONDS_UNDER_FAULTS * 1000L + 1000);
        for (int i = 0; i < chains.size(); i++) {
            TokenResponse retried = ok(refreshWhileKeycloakReconnects(spa(nodeOf(i)), chains.get(i).refreshToken()));
            assertEquals(chains.get(i).refreshTokenGeneration() + 1, retried.refreshTokenGeneration(), "the chain goes on where it stood");
            ok(refreshWhileKeycloakReconnects(spa(nodeOf(i) == nodeA ? nodeB : nodeA), retried.refreshToken()));
        }
        List<String> reuses = demo().getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 100).stream()
                .map(EventRepresentation::getError).filter("refresh_token_reused"::equals).toList();
        assertTrue(reuses.isEmpty(), "a database fault was taken for reuse " + reuses.size() + " times");
    }

    private static KeycloakDistribution nodeOf(int chain) {
        return chain % 2 == 0 ? nodeA : nodeB;
    }

    /** The same token, again while the answer is a 5xx (Keycloak's connection pool recovering), for up to a minute. */
    private static TokenResponse refreshWhileKeycloakReconnects(OidcTestClient client, String refreshToken) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        TokenResponse response = client.refresh(refreshToken);
        while (response.status() >= 500 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            response = client.refresh(refreshToken);
        }
        return response;
    }

    /** {@code count} refreshes of one token at once, every other one on each node. */
    private static List<TokenResponse> refreshOnBothNodes(String refreshToken, int count) throws Exception {
        List<OidcTestClient> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            clients.add(spa(i % 2 == 0 ? nodeA : nodeB));
        }
        return ParallelRefresh.of(refreshToken, clients);
    }

    private static OidcTestClient spa(KeycloakDistribution node) {
        return new OidcTestClient(node.baseUrl(), "demo", "demo-spa", "http://localhost:8081/");
    }

    private static RealmResource demo() {
        return admin.realm("demo");
    }
}
