package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Two production-mode Keycloak 26.7.3 nodes in one Infinispan cluster on a PostgreSQL of their own, on loopback, as users
 * scale Keycloak out: built once ({@code kc.sh build}), copied for the second node, started with {@code --optimized}.
 * Both nodes serve the same issuer, as they would behind a load balancer. Any node may be stopped, killed and started
 * again.
 */
final class KeycloakCluster implements AutoCloseable {

    /**
     * Added to every port of the cluster (system property {@code keycloak.cluster.port-offset}), so that the extension's
     * and the benchmarks' clusters can run at the same time.
     */
    private static final int PORT_OFFSET = Integer.getInteger("keycloak.cluster.port-offset", 0);
    static final int NODE_A_PORT = 8280 + PORT_OFFSET;
    static final int NODE_B_PORT = 8380 + PORT_OFFSET;

    private static final String ISSUER_BASE = "http://127.0.0.1:" + NODE_A_PORT;
    private static final Pattern TWO_MEMBERS = Pattern.compile("ISPN000094: Received new cluster view for channel \\S+: \\[[^\\]]*\\] \\(2\\)");

    private final LocalPostgres postgres;
    private final String jdbcUrl;
    private final Duration startTimeout;
    private KeycloakDistribution nodeA;
    private KeycloakDistribution nodeB;

    private KeycloakCluster(LocalPostgres postgres, String jdbcUrl, Duration startTimeout) {
        this.postgres = postgres;
        this.jdbcUrl = jdbcUrl;
        this.startTimeout = startTimeout;
    }

    /**
     * Starts PostgreSQL in {@code folder}, then both nodes with {@code provider} deployed and {@code realm} imported, and
     * waits until they have formed one cluster. The system properties {@code keycloak.dist.zip} and {@code extension.jar}
     * name the distribution and the provider.
     */
    static KeycloakCluster start(Path folder, String database, Path realm, Duration startTimeout) throws Exception {
        LocalPostgres postgres = LocalPostgres.start(folder.resolve("postgres"), database);
        KeycloakCluster cluster = new KeycloakCluster(postgres, LocalPostgres.jdbcUrl(database), startTimeout);
        try {
            cluster.nodeA = KeycloakDistribution.install(
                    Path.of(System.getProperty("keycloak.dist.zip")),
                    folder.resolve("node-a"),
                    Path.of(System.getProperty("extension.jar")),
                    realm);
            // the fault-test hook (slow commits, a claim without a holder) where the build made it; inert unless a test uses it
            String hook = System.getProperty("extension.testhook.jar");
            if (hook != null && Files.isRegularFile(Path.of(hook))) {
                cluster.nodeA.addProvider(Path.of(hook));
            }
            // build once, then copy: the second node needs no second augmentation
            cluster.nodeA.build("--db=postgres", "--health-enabled=true");
            cluster.nodeB = cluster.nodeA.copyTo(folder.resolve("node-b"));
            cluster.startNode(cluster.nodeA);
            cluster.startNode(cluster.nodeB);
            cluster.awaitTwoMembers(cluster.nodeA, 0);
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    LocalPostgres postgres() {
        return postgres;
    }

    KeycloakDistribution nodeA() {
        return nodeA;
    }

    KeycloakDistribution nodeB() {
        return nodeB;
    }

    KeycloakDistribution other(KeycloakDistribution node) {
        return node == nodeA ? nodeB : nodeA;
    }

    /** Starts a stopped or killed node again and waits until it has rejoined the other one. */
    void restart(KeycloakDistribution node) throws Exception {
        int logLength = node.serverLog().length();
        startNode(node);
        awaitTwoMembers(node, logLength);
    }

    private void startNode(KeycloakDistribution node) throws IOException, InterruptedException {
        boolean a = node == nodeA;
        node.start(a ? NODE_A_PORT : NODE_B_PORT, (a ? 9280 : 9380) + PORT_OFFSET, startTimeout,
                nodeArguments((a ? 7800 : 7900) + PORT_OFFSET));
    }

    /** Two nodes that share only the database would pass some tests too; make sure they formed one cluster. */
    private void awaitTwoMembers(KeycloakDistribution node, int fromLogOffset) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!joined(node.serverLog(), fromLogOffset)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the two nodes did not form one Infinispan cluster; see the node logs");
            }
            Thread.sleep(500);
        }
    }

    private static boolean joined(String log, int fromLogOffset) {
        return TWO_MEMBERS.matcher(log).region(Math.min(fromLogOffset, log.length()), log.length()).find();
    }

    @Override
    public void close() throws Exception {
        for (KeycloakDistribution node : new KeycloakDistribution[] {nodeB, nodeA}) {
            if (node != null) {
                node.close();
            }
        }
        postgres.close();
    }

    private String[] nodeArguments(int clusterPort) {
        return List.of(
                "start", "--optimized", "--import-realm",
                "--db-url=" + jdbcUrl, "--db-username=" + LocalPostgres.USER, "--db-password=" + LocalPostgres.PASSWORD,
                "--http-enabled=true", "--http-host=127.0.0.1", "--hostname=" + ISSUER_BASE,
                "--cache=ispn", "--cache-embedded-network-bind-address=127.0.0.1",
                "--cache-embedded-network-bind-port=" + clusterPort).toArray(String[]::new);
    }
}
