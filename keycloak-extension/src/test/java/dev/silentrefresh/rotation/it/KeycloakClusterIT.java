package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.assertInvalidGrant;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.EventRepresentation;

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
        RotationProfile.configure(demo(), 30, "client-session", true);
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
