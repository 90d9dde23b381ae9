package dev.silentrefresh.rotation.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;

/**
 * Issue 10, item 2 on the two-node cluster ({@link KeycloakCluster}, the one {@code KeycloakClusterIT} runs): the soak's
 * users refresh through both nodes in turn, as a load balancer sends them, and node A dies ({@code kill -9}) in the middle.
 * Node B carries every chain: no honest revocation, no fork (every thief is still caught and its family is dead on both
 * sides), every honest user refreshes after the kill.
 */
class ClusterCrashIT {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static KeycloakCluster cluster;

    @BeforeAll
    static void startTwoNodeCluster() throws Exception {
        cluster = KeycloakCluster.start(Path.of("target", "cluster-crash").toAbsolutePath(), "keycloak_cluster_crash",
                BenchKeycloak.realmFile(), START_TIMEOUT);
        try (Keycloak admin = cluster.nodeB().admin()) {
            RotationProfile.configure(admin.realm(BenchKeycloak.DEMO_REALM), (int) RotationSoakIT.GRACE_WINDOW.toSeconds(), "client-session", true);
            BenchKeycloak.prepareForLoad(admin);
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void nodeBCarriesEveryChainWhenNodeADiesMidSoak() throws Exception {
        KeycloakDistribution nodeA = cluster.nodeA();
        KeycloakDistribution nodeB = cluster.nodeB();
        RotationSoak soak = new RotationSoak(List.of(nodeA.baseUrl(), nodeB.baseUrl()), RotationSoakIT.settings(100, Duration.ofSeconds(40)));
        long[] killedAt = new long[1];

        RotationSoak.Result result = soak.run(() -> {
            Thread.sleep(Duration.ofSeconds(20).toMillis());
            killedAt[0] = System.nanoTime();
            nodeA.kill();
            soak.extendUntil(killedAt[0] + Duration.ofSeconds(30).toNanos());
        });

        int honestUsers = result.honestChains();
        RotationSoakIT.report("cluster-crash", result.summary() + String.format("  after the kill: %d of %d honest users refreshed on node B;"
                + " most recoveries of one user: %d; thief episodes cut short: %d%n", soak.honestUsersRefreshedSince(killedAt[0]), honestUsers,
                soak.mostRecoveriesOfOneUser(), soak.interruptedEpisodes()));
        assertEquals(List.of(), result.problems(), "every virtual user ran to the end");
        assertEquals(0, result.honestChainsRevoked(), "honest chains revoked: " + result.honestRevocations());
        assertEquals(honestUsers, soak.honestUsersRefreshedSince(killedAt[0]), "node B carried every honest chain");
        assertTrue(soak.mostRecoveriesOfOneUser() <= 1, "an honest user needed " + soak.mostRecoveriesOfOneUser() + " recoveries");
        RotationSoakIT.assertThievesCaught(result, false);
        assertEquals(Set.of(), TokenLeaks.in(nodeA.serverLog() + nodeB.serverLog(), result.tokenSignatures()),
                "a token value reached a node's log");
    }
}
