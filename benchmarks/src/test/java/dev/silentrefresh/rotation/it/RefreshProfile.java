package dev.silentrefresh.rotation.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import dev.silentrefresh.benchmarks.ClosedLoop;
import dev.silentrefresh.benchmarks.Measurement;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a refresh's time goes in Keycloak, with and without the executor: Keycloak (start-dev, H2) is profiled with JDK
 * Flight Recorder (started through {@code jcmd}, profile settings) while only client A refreshes, then while only client
 * B does, the same number of virtual users for the same time. Prints, per client, CPU samples per refresh in all of
 * Keycloak and in the extension's own frames, and the methods whose samples per refresh differ most.
 *
 * <p>{@code ./mvnw -B -q -pl benchmarks -am -DskipTests test-compile} and then, from {@code benchmarks/}, the test class
 * path's {@code java dev.silentrefresh.rotation.it.RefreshProfile [users] [seconds]} (see docs/benchmarks.md).
 */
public final class RefreshProfile {

    /** Where samples fall, by a package on their stack (a sample may count for several). */
    private static final List<String> AREAS = List.of("dev.silentrefresh", "org.h2", "org.postgresql", "org.hibernate", "org.infinispan",
            "org.keycloak.models.sessions", "org.keycloak.protocol.oidc.TokenManager", "org.keycloak.events", "com.fasterxml.jackson",
            "org.keycloak.jose", "org.keycloak.crypto");

    private RefreshProfile() {
    }

    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        Duration length = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 10);
        Path out = Path.of("target", "profile").toAbsolutePath();
        Files.createDirectories(out);
        try (BenchKeycloak keycloak = BenchKeycloak.start(BenchKeycloak.Mode.DEV_H2, out.resolve("keycloak"), 8480, 9480)) {
            long pid = keycloakPid(out.resolve("keycloak"));
            Map<String, Supplier<OidcTestClient>> clients = keycloak.comparedClients();
            Map<String, List<RefreshChain>> chains = new LinkedHashMap<>();
            for (String client : List.of("A", "B")) {
                chains.put(client, RefreshChain.loggedIn(clients.get(client), users));
                ClosedLoop.run(client, chains.get(client), Duration.ofSeconds(10), Long.MAX_VALUE);
            }
            // the clients take turns, three windows each, so that the machine's other load hits both alike; Keycloak's CPU
            // time per refresh (from /proc) does not grow when other processes take the cores, unlike wall time
            Map<String, Long> refreshes = new LinkedHashMap<>(Map.of("A", 0L, "B", 0L));
            Map<String, Long> cpuMillis = new LinkedHashMap<>(Map.of("A", 0L, "B", 0L));
            for (int window = 0; window < 3; window++) {
                for (String client : List.of("A", "B")) {
                    jcmd(pid, "JFR.start", "name=" + client + window, "settings=profile");
                    long cpuBefore = cpuMillis(pid);
                    Measurement measured = ClosedLoop.run(client, chains.get(client), length, Long.MAX_VALUE);
                    cpuMillis.merge(client, cpuMillis(pid) - cpuBefore, Long::sum);
                    jcmd(pid, "JFR.stop", "name=" + client + window, "filename=" + out.resolve(client + window + ".jfr"));
                    refreshes.merge(client, measured.ok(), Long::sum);
                    System.out.printf(Locale.ROOT, "%s window %d: %.0f refreshes/s, p50 %.1f ms, p99 %.1f ms%n", client, window,
                            measured.throughput(), measured.millis(50), measured.millis(99));
                }
            }
            refreshes.forEach((client, count) -> System.out.printf(Locale.ROOT, "%s: %d refreshes, Keycloak CPU %.2f ms per refresh%n",
                    client, count, (double) cpuMillis.get(client) / count));
            Map<String, Map<String, Integer>> selfSamples = new LinkedHashMap<>();
            for (String client : refreshes.keySet()) {
                Map<String, Integer> self = new HashMap<>();
                Map<String, Integer> inPackage = new LinkedHashMap<>();
                int[] totals = new int[2];
                List<RecordedEvent> events = new java.util.ArrayList<>();
                for (int window = 0; window < 3; window++) {
                    events.addAll(RecordingFile.readAllEvents(out.resolve(client + window + ".jfr")));
                }
                for (RecordedEvent sample : events) {
                    if (!sample.getEventType().getName().equals("jdk.ExecutionSample") || sample.getStackTrace() == null) {
                        continue;
                    }
                    List<RecordedFrame> frames = sample.getStackTrace().getFrames();
                    totals[0]++;
                    if (frames.stream().anyMatch(f -> f.getMethod().getType().getName().startsWith("dev.silentrefresh"))) {
                        totals[1]++;
                    }
                    if (!frames.isEmpty()) {
                        self.merge(name(frames.get(0)), 1, Integer::sum);
                    }
                    for (String area : AREAS) {
                        if (frames.stream().anyMatch(f -> f.getMethod().getType().getName().startsWith(area))) {
                            inPackage.merge(area, 1, Integer::sum);
                        }
                    }
                }
                selfSamples.put(client, self);
                long served = refreshes.get(client);
                System.out.printf(Locale.ROOT, "%s: %d CPU samples, %.2f per 100 refreshes; with an extension frame: %d (%.2f per 100 refreshes)%n",
                        client, totals[0], 100.0 * totals[0] / served, totals[1], 100.0 * totals[1] / served);
                inPackage.forEach((area, count) -> System.out.printf(Locale.ROOT, "    with a frame of %-40s %.2f per 100 refreshes%n", area,
                        100.0 * count / served));
            }
            printDifferences(selfSamples, refreshes);
        }
    }

    /** Methods on top of the stack whose samples per 100 refreshes differ most between A and B. */
    private static void printDifferences(Map<String, Map<String, Integer>> selfSamples, Map<String, Long> refreshes) {
        Map<String, Double> difference = new HashMap<>();
        Map<String, Integer> a = selfSamples.get("A");
        Map<String, Integer> b = selfSamples.get("B");
        for (String method : a.keySet()) {
            difference.put(method, 100.0 * a.get(method) / refreshes.get("A") - 100.0 * b.getOrDefault(method, 0) / refreshes.get("B"));
        }
        System.out.println("self samples per 100 refreshes, A minus B, largest first:");
        difference.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())).limit(25)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %+6.2f  %s%n", e.getValue(), e.getKey()));
    }

    /** User and system CPU time of a process so far, from /proc (Linux), in milliseconds. */
    private static long cpuMillis(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14 and 15 of stat (utime, stime), counted after the command name; clock ticks of 10 ms
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
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
