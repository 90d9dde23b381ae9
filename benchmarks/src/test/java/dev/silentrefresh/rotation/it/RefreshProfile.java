package dev.silentrefresh.rotation.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import dev.silentrefresh.benchmarks.ClosedLoop;
import dev.silentrefresh.benchmarks.Measurement;

/**
 * Where a refresh's time goes in Keycloak, with the executor (A), without rotation (B) and with Keycloak's own rotation
 * (C): Keycloak (start-dev, H2) is profiled with JDK Flight Recorder (started through {@code jcmd}, profile settings)
 * while only one client refreshes, the clients taking turns for the same number of virtual users and the same time.
 * Prints, per client, Keycloak's CPU time per refresh, CPU samples per 100 refreshes in all of Keycloak and in named cost
 * centres ({@link ProfileAnalysis#CENTRES}), and the methods whose samples differ most between A and C, and A and B.
 *
 * <p>{@code ./mvnw -B -q -pl benchmarks -am -DskipTests test-compile} and then, from {@code benchmarks/}, the test class
 * path's {@code java dev.silentrefresh.rotation.it.RefreshProfile [users] [seconds] [windows] [clients]} (see
 * docs/benchmarks.md; defaults 16, 10, 3, {@code A,B,C}).
 */
public final class RefreshProfile {

    private RefreshProfile() {
    }

    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        Duration length = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 10);
        int windows = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> compared = List.of((args.length > 3 ? args[3] : "A,B,C").split(","));
        Path out = Path.of("target", "profile").toAbsolutePath();
        Files.createDirectories(out);
        try (BenchKeycloak keycloak = BenchKeycloak.start(BenchKeycloak.Mode.DEV_H2, out.resolve("keycloak"), 8480, 9480)) {
            long pid = keycloakPid(out.resolve("keycloak"));
            Map<String, Supplier<OidcTestClient>> clients = keycloak.comparedClients();
            Map<String, List<RefreshChain>> chains = new LinkedHashMap<>();
            for (String client : compared) {
                chains.put(client, RefreshChain.loggedIn(clients.get(client), users));
                ClosedLoop.run(client, chains.get(client), Duration.ofSeconds(10), Long.MAX_VALUE);
            }
            // the clients take turns, in a rotated order per window, so that the machine's other load hits all alike;
            // Keycloak's CPU time per refresh (from /proc) does not grow when other processes take the cores, unlike wall time
            Map<String, Long> refreshes = new LinkedHashMap<>();
            Map<String, Long> cpuMillis = new LinkedHashMap<>();
            Map<String, List<Path>> recordings = new LinkedHashMap<>();
            for (int window = 0; window < windows; window++) {
                for (int turn = 0; turn < compared.size(); turn++) {
                    String client = compared.get((turn + window) % compared.size());
                    Path recording = out.resolve(client + window + ".jfr");
                    jcmd(pid, "JFR.start", "name=" + client + window, "settings=profile");
                    long cpuBefore = cpuMillis(pid);
                    Measurement measured = ClosedLoop.run(client, chains.get(client), length, Long.MAX_VALUE);
                    cpuMillis.merge(client, cpuMillis(pid) - cpuBefore, Long::sum);
                    jcmd(pid, "JFR.stop", "name=" + client + window, "filename=" + recording);
                    refreshes.merge(client, measured.ok(), Long::sum);
                    recordings.computeIfAbsent(client, c -> new ArrayList<>()).add(recording);
                    System.out.printf(Locale.ROOT, "%s window %d: %.0f refreshes/s, p50 %.1f ms, p99 %.1f ms, %d errors%n", client, window,
                            measured.throughput(), measured.millis(50), measured.millis(99), measured.failed());
                }
            }
            Map<String, ProfileAnalysis.Samples> samples = new LinkedHashMap<>();
            for (String client : compared) {
                System.out.printf(Locale.ROOT, "%s: %d refreshes, Keycloak CPU %.2f ms per refresh%n", client, refreshes.get(client),
                        (double) cpuMillis.get(client) / refreshes.get(client));
                samples.put(client, ProfileAnalysis.read(recordings.get(client)));
            }
            ProfileAnalysis.printCentres(samples, refreshes);
            for (String other : List.of("C", "B")) {
                if (samples.containsKey("A") && samples.containsKey(other)) {
                    ProfileAnalysis.printDifferences("A", other, samples, refreshes, 40);
                }
            }
        }
    }

    /** User and system CPU time of a process so far, from /proc (Linux), in milliseconds. */
    private static long cpuMillis(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14 and 15 of stat (utime, stime), counted after the command name; clock ticks of 10 ms
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    /** The Keycloak JVM this run started: the java process whose command line names its folder. */
    private static long keycloakPid(Path folder) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(folder.toString()) && c.contains("java")).orElse(false))
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst()
                .orElseThrow(() -> new IllegalStateException("no Keycloak JVM under " + folder));
    }

    private static void jcmd(long pid, String... command) throws Exception {
        List<String> line = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("jcmd failed: " + output);
        }
    }
}
