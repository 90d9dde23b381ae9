package dev.silentrefresh.rotation.it;

import static dev.silentrefresh.rotation.it.RefreshTokenRotationScenarios.ok;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.InjectKeycloakUrls;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;
import org.keycloak.testframework.server.KeycloakUrls;

/**
 * What the executor costs per refresh: refresh latency of a client the policy covers ({@code demo-spa}) against one it
 * does not ({@code bench-uncovered}), and against Keycloak's built-in rotation (a realm with "Revoke Refresh Token" on),
 * on the same server, interleaved request by request so that machine noise hits all alike. Not part of the test run; {@code ./mvnw -pl keycloak-extension -am -Pbench verify} runs it and writes
 * {@code target/refresh-latency.txt}. It measures and reports; it asserts nothing about speed.
 */
@KeycloakIntegrationTest(config = RefreshLatencyBenchmark.ServerConfig.class)
class RefreshLatencyBenchmark {

    private static final int WARM_UP = 200;
    private static final int MEASURED = 1000;
    private static final String BUILT_IN_REALM = "bench-built-in-rotation";
    private static final String UNCOVERED = "bench-uncovered";
    private static final String UNCOVERED_REDIRECT = "http://localhost:8081/bench";

    @InjectAdminClient
    Keycloak admin;

    @InjectKeycloakUrls
    KeycloakUrls urls;

    @InjectRealm(fromJson = "/realm-export.json")
    ManagedRealm demoRealm;

    @Test
    void measureRefreshLatencyWithAndWithoutTheExecutor() throws IOException {
        demoRealm.admin().clients().create(TestRealms.publicClient(UNCOVERED, UNCOVERED_REDIRECT)).close();
        createBuiltInRotationRealm();

        List<Chain> chains = List.of(
                new Chain("demo-spa (refresh-token-rotation)",
                        new OidcTestClient(urls.getBase(), "demo", "demo-spa", "http://localhost:8081/")),
                new Chain("bench-uncovered (no rotation)",
                        new OidcTestClient(urls.getBase(), "demo", UNCOVERED, UNCOVERED_REDIRECT)),
                new Chain("built-in Revoke Refresh Token",
                        new OidcTestClient(urls.getBase(), BUILT_IN_REALM, UNCOVERED, UNCOVERED_REDIRECT)));
        for (int i = 0; i < WARM_UP; i++) {
            chains.forEach(Chain::refresh);
        }
        long[][] nanos = new long[chains.size()][MEASURED];
        for (int i = 0; i < MEASURED; i++) {
            // rotate the order so no chain always runs first or last
            for (int j = 0; j < chains.size(); j++) {
                int which = (i + j) % chains.size();
                nanos[which][i] = chains.get(which).refresh();
            }
        }

        String report = String.join(System.lineSeparator(),
                "Refresh-token grant latency, " + MEASURED + " interleaved refreshes each after " + WARM_UP + " warm-up, Keycloak "
                        + admin.serverInfo().getInfo().getSystemInfo().getVersion() + " (start-dev, H2), "
                        + Runtime.getRuntime().availableProcessors() + " cores",
                row("client", "median ms", "p90 ms", "p99 ms", "mean ms"),
                row(chains.get(0).name, nanos[0]),
                row(chains.get(1).name, nanos[1]),
                row(chains.get(2).name, nanos[2]),
                String.format(Locale.ROOT, "ratio of medians, executor / no rotation: %.2f, executor / built-in rotation: %.2f",
                        percentile(nanos[0], 50) / percentile(nanos[1], 50), percentile(nanos[0], 50) / percentile(nanos[2], 50)));
        Files.writeString(Path.of("target", "refresh-latency.txt"), report + System.lineSeparator());
        System.out.println(report);
    }

    private static String row(String client, long[] nanos) {
        return row(client, ms(percentile(nanos, 50)), ms(percentile(nanos, 90)), ms(percentile(nanos, 99)),
                ms(Arrays.stream(nanos).average().orElse(0)));
    }

    private static String row(String... cells) {
        return String.format(Locale.ROOT, "%-36s %10s %10s %10s %10s", (Object[]) cells);
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1_000_000);
    }

    private static double percentile(long[] nanos, int percent) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percent / 100.0 * sorted.length) - 1)];
    }

    private void createBuiltInRotationRealm() {
        RealmRepresentation realm = TestRealms.realmWithAlice(BUILT_IN_REALM, TestRealms.publicClient(UNCOVERED, UNCOVERED_REDIRECT));
        realm.setRevokeRefreshToken(true);
        realm.setRefreshTokenMaxReuse(0);
        admin.realms().create(realm);
    }

    /** One login whose refresh token is rotated over and over. */
    private static final class Chain {
        private final String name;
        private final OidcTestClient client;
        private String refreshToken;

        Chain(String name, OidcTestClient client) {
            this.name = name;
            this.client = client;
            this.refreshToken = client.login("alice", "alice").refreshToken();
        }

        long refresh() {
            long start = System.nanoTime();
            TokenResponse response = client.refresh(refreshToken);
            long elapsed = System.nanoTime() - start;
            refreshToken = ok(response).refreshToken();
            return elapsed;
        }
    }

    public static class ServerConfig implements KeycloakServerConfig {
        @Override
        public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
            return config.dependencyCurrentProject();
        }
    }
}
