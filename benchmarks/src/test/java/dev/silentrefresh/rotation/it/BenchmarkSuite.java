package dev.silentrefresh.rotation.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.silentrefresh.benchmarks.filter.FilterBenchmark;
import dev.silentrefresh.benchmarks.filter.FilterVerificationBenchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs everything of docs/benchmarks.md (issue 9) and writes it with its charts:
 * {@code ./mvnw -B -pl benchmarks -am -Pbenchmarks -DskipTests verify} (about 12 minutes on two idle cores). The smoke
 * plan runs every part for a second or two, so that CI keeps the whole thing working ({@code BenchmarkSmokeIT}).
 *
 * <p>Every load goes to loopback; every loop is bounded in count and time.
 */
public final class BenchmarkSuite {

    /** How much of everything to run. */
    record Plan(String name, List<Integer> users, int rounds, Duration round, Duration warmUp, int chainLength, int chainSampled,
                int families, int familySampled, int filterRounds, Duration filterRound, boolean wrk, boolean jmhFork, boolean postgres,
                boolean startup) {
    }

    static final Plan FULL = new Plan("full", List.of(1, 4, 16, 64), 3, Duration.ofSeconds(4), Duration.ofSeconds(2), 10_000, 200,
            50, 200, 3, Duration.ofSeconds(5), true, true, true, true);
    static final Plan SMOKE = new Plan("smoke", List.of(1, 4), 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 40, 10,
            5, 5, 1, Duration.ofSeconds(1), false, false, false, false);

    /** Everything measured, for the report. */
    record Results(Plan plan, Instant started, Map<String, String> machine, Map<String, String> loadAverages, String keycloakVersion,
                   List<TokenEndpointBenchmark.Result> tokenEndpoint, ChainBenchmark.ChainResult chain,
                   ChainBenchmark.FamiliesResult families, FilterBenchmark.Result filter, Collection<RunResult> jmh,
                   StartupBenchmark.Result startup, Duration took) {
    }

    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/benchmarks").toAbsolutePath().normalize();
        Plan plan = args.length > 1 && args[1].equals("smoke") ? SMOKE : FULL;
        Results results = run(plan, Path.of("target", "bench").toAbsolutePath());
        BenchmarkReport.write(results, out);
        System.out.println("wrote " + out.resolve("benchmarks.md"));
    }

    static Results run(Plan plan, Path work) throws Exception {
        Instant started = Instant.now();
        long began = System.nanoTime();
        Map<String, String> load = new LinkedHashMap<>();
        load.put("at the start", loadAverage());
        List<TokenEndpointBenchmark.Result> tokenEndpoint = new ArrayList<>();
        String version;
        ChainBenchmark.ChainResult chain;
        ChainBenchmark.FamiliesResult families = null;
        try (BenchKeycloak keycloak = BenchKeycloak.start(BenchKeycloak.Mode.DEV_H2, work.resolve("h2"), 8480, 9480)) {
            version = keycloak.version();
            tokenEndpoint.add(TokenEndpointBenchmark.run(keycloak.mode().description, keycloak.comparedClients(), plan.users(),
                    plan.rounds(), plan.round(), plan.warmUp()));
            load.put("after the token endpoint on H2", loadAverage());
            chain = ChainBenchmark.chainLength(keycloak.spa(), plan.chainLength(), plan.chainSampled());
            load.put("after the chain", loadAverage());
            if (!plan.postgres()) {
                families = ChainBenchmark.families(keycloak, keycloak.spa(), plan.families(), plan.familySampled());
            }
        }
        if (plan.postgres()) {
            try (BenchKeycloak keycloak = BenchKeycloak.start(BenchKeycloak.Mode.PRODUCTION_POSTGRES, work.resolve("postgres"), 8480, 9480)) {
                tokenEndpoint.add(TokenEndpointBenchmark.run(keycloak.mode().description, keycloak.comparedClients(), plan.users(),
                        plan.rounds(), plan.round(), plan.warmUp()));
                load.put("after the token endpoint on PostgreSQL", loadAverage());
                families = ChainBenchmark.families(keycloak, keycloak.spa(), plan.families(), plan.familySampled());
            }
        }
        FilterBenchmark.Result filter = FilterBenchmark.run(64, plan.filterRounds(), plan.filterRound(), plan.wrk());
        load.put("after the filter", loadAverage());
        Collection<RunResult> jmh = new Runner(jmhOptions(plan)).run();
        load.put("after JMH", loadAverage());
        StartupBenchmark.Result startup = null;
        if (plan.startup()) {
            // the first run warms Maven's cache and .run/ (unpacked Keycloak); the second is the one a user sees every day
            try {
                StartupBenchmark.runSh(BenchKeycloak.projectRoot(), Duration.ofMinutes(10));
                startup = StartupBenchmark.runSh(BenchKeycloak.projectRoot(), Duration.ofMinutes(10));
                load.put("after the start-up runs", loadAverage());
            } catch (Exception e) {
                // the rest of the report is worth writing all the same
                System.err.println("the start-up measurement failed: " + e);
            }
        }
        return new Results(plan, started, machine(), load, version, tokenEndpoint, chain, families, filter, jmh, startup,
                Duration.ofNanos(System.nanoTime() - began));
    }

    private static Options jmhOptions(Plan plan) {
        OptionsBuilder options = new OptionsBuilder();
        options.include(FilterVerificationBenchmark.class.getName());
        if (plan.jmhFork()) {
            options.forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(5).measurementTime(TimeValue.seconds(1));
        } else {
            options.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(200));
        }
        return options.build();
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static Map<String, String> machine() {
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("CPU", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        machine.put("Memory", memory());
        machine.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")");
        machine.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        return machine;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
        } catch (Exception e) {
            return "unknown CPU";
        }
    }

    private static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemTotal"))
                    .map(line -> Long.parseLong(line.replaceAll("\\D", "")) / 1024 / 1024 + " GiB").findFirst().orElse("unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }
}
