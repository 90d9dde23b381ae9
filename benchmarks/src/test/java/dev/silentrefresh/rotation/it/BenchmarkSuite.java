package dev.silentrefresh.rotation.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs everything of docs/benchmarks.md and writes it: {@code ./mvnw -B -pl benchmarks -am -Pbenchmarks -DskipTests verify}.
 */
public final class BenchmarkSuite {

    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/benchmarks").toAbsolutePath();
        Path work = Path.of("target", "bench").toAbsolutePath();
        try (BenchKeycloak keycloak = BenchKeycloak.start(BenchKeycloak.Mode.DEV_H2, work.resolve("h2"), 8480, 9480)) {
            System.out.println("Keycloak " + keycloak.version() + " ready");
            TokenEndpointBenchmark.run(keycloak.mode().description, keycloak.comparedClients(), List.of(1, 16), 2, Duration.ofSeconds(4), Duration.ofSeconds(2));
        }
    }
}
