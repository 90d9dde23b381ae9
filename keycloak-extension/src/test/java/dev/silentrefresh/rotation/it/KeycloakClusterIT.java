package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.assertInvalidGrant;
import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

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

    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    private static final int NODE_A_PORT = 8280;
    private static final int NODE_B_PORT = 8380;
    private static final String ISSUER_BASE = "http://127.0.0.1:" + NODE_A_PORT;

    private static final String DATABASE = "keycloak_cluster_it";

    private static LocalPostgres postgres;
    private static KeycloakDistribution nodeA;
    private static KeycloakDistribution nodeB;
    private static Keycloak admin;

    @BeforeAll
    static void startTwoNodeCluster() throws Exception {
        Path folder = Path.of("target", "keycloak-cluster").toAbsolutePath();
        postgres = LocalPostgres.start(folder.resolve("postgres"), DATABASE);
        String jdbcUrl = LocalPostgres.jdbcUrl(DATABASE);
        nodeA = KeycloakDistribution.install(
                Path.of(System.getProperty("keycloak.dist.zip")),
                folder.resolve("node-a"),
                Path.of(System.getProperty("extension.jar")),
                Path.of("..", "realm-export.json").toAbsolutePath().normalize());
        // build once, then copy: the second node needs no second augmentation
        nodeA.build("--db=postgres", "--health-enabled=true");
        nodeB = nodeA.copyTo(folder.resolve("node-b"));
        nodeA.start(NODE_A_PORT, 9280, START_TIMEOUT, nodeArguments(jdbcUrl, 7800));
        nodeB.start(NODE_B_PORT, 9380, START_TIMEOUT, nodeArguments(jdbcUrl, 7900));
        awaitOneClusterOfTwoNodes();
        admin = nodeA.admin();
    }

    /** Two nodes that share only the database would pass some tests too; make sure they formed one cluster. */
    private static void awaitOneClusterOfTwoNodes() throws Exception {
        Pattern twoMembers = Pattern.compile("ISPN000094: Received new cluster view for channel \\S+: \\[[^\\]]*\\] \\(2\\)");
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!twoMembers.matcher(nodeA.serverLog()).find()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the two nodes did not form one Infinispan cluster; see the node logs under target/keycloak-cluster");
            }
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (admin != null) {
            admin.close();
        }
        for (KeycloakDistribution node : new KeycloakDistribution[] {nodeB, nodeA}) {
            if (node != null) {
                node.close();
            }
        }
        if (postgres != null) {
            postgres.close();
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
        int graceSeconds = 2;
        RotationProfile.configure(demo(), graceSeconds, "client-session", true);
        demo().clearEvents();
        List<TokenResponse> chains = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            KeycloakDistribution node = i % 2 == 0 ? nodeA : nodeB;
            chains.add(ok(spa(node).refresh(spa(node).login("alice", "alice").refreshToken())));
        }

        postgres.crash();
        try {
            for (int i = 0; i < chains.size(); i++) {
                TokenResponse failed = spa(i % 2 == 0 ? nodeB : nodeA).refresh(chains.get(i).refreshToken());
                assertTrue(failed.status() >= 500, "a refresh that cannot be stored is a fault, not a refusal: " + failed);
            }
        } finally {
            postgres.start();
        }
        // the retries come after the grace window: a rotation the failed requests left behind would now count as reuse
        Thread.sleep(graceSeconds * 1000L + 1000);

        for (int i = 0; i < chains.size(); i++) {
            KeycloakDistribution node = i % 2 == 0 ? nodeA : nodeB;
            TokenResponse retried = ok(refreshWhileKeycloakReconnects(spa(node), chains.get(i).refreshToken()));
            assertEquals(chains.get(i).refreshTokenGeneration() + 1, retried.refreshTokenGeneration(), "the chain goes on where it stood");
            ok(spa(node == nodeA ? nodeB : nodeA).refresh(retried.refreshToken()));
        }
        List<String> reuses = demo().getEvents(List.of("REFRESH_TOKEN_ERROR"), null, null, null, null, null, 0, 100).stream()
                .map(EventRepresentation::getError).filter("refresh_token_reused"::equals).toList();
        assertTrue(reuses.isEmpty(), "a database fault was taken for reuse " + reuses.size() + " times");
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

    private static String[] nodeArguments(String jdbcUrl, int clusterPort) {
        return new String[] {
            "start", "--optimized", "--import-realm",
            "--db-url=" + jdbcUrl, "--db-username=" + LocalPostgres.USER, "--db-password=" + LocalPostgres.PASSWORD,
            "--http-enabled=true", "--http-host=127.0.0.1", "--hostname=" + ISSUER_BASE,
            "--cache=ispn", "--cache-embedded-network-bind-address=127.0.0.1",
            "--cache-embedded-network-bind-port=" + clusterPort
        };
    }
}
