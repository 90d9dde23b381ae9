package dev.silentrefresh.rotation.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Issue 9, item 5: how long the README's run command takes from {@code ./run.sh} until the demo is ready, with a warm
 * Maven cache, and where Keycloak's part goes. Runs {@code run.sh} as a user does (it builds, starts Keycloak and the web
 * app), notes when each of its progress lines appears, stops it as Ctrl-C does, and reads Keycloak's own timings from
 * its log: whether it re-augmented (rebuilt Quarkus for the providers, {@code kc.sh build}'s work) and how long its boot
 * took ("started in").
 */
final class StartupBenchmark {

    private static final Pattern STARTED_IN = Pattern.compile("started in ([0-9.]+)s");
    private static final Pattern AUGMENTATION = Pattern.compile("Updating the configuration and installing your custom providers");
    private static final String READY_LINE = "Ctrl-C stops both.";

    /** Seconds since {@code ./run.sh} started at which each progress line appeared, and Keycloak's own timings. */
    record Result(Map<String, Double> milestones, double readySeconds, boolean keycloakAugmented, double keycloakStartedIn) {
    }

    private StartupBenchmark() {
    }

    static Result runSh(Path projectRoot, Duration timeout) throws IOException, InterruptedException {
        Path keycloakLog = projectRoot.resolve(".run").resolve("keycloak.log");
        Files.deleteIfExists(keycloakLog);
        long start = System.nanoTime();
        Process runSh = new ProcessBuilder("./run.sh").directory(projectRoot.toFile()).redirectErrorStream(true).start();
        Map<String, Double> milestones = new LinkedHashMap<>();
        double ready = Double.NaN;
        try (BufferedReader output = new BufferedReader(new InputStreamReader(runSh.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = start + timeout.toNanos();
            for (String line = output.readLine(); line != null && System.nanoTime() < deadline; line = output.readLine()) {
                double at = (System.nanoTime() - start) / 1e9;
                if (line.startsWith("run.sh: ")) {
                    milestones.put(line.substring("run.sh: ".length()).replace(" ...", "").replaceAll(" \\(log: [^)]*\\)", ""), at);
                }
                if (line.contains(READY_LINE)) {
                    ready = at;
                    break;
                }
            }
        } finally {
            stop(runSh);
        }
        String log = Files.exists(keycloakLog) ? Files.readString(keycloakLog) : "";
        Matcher startedIn = STARTED_IN.matcher(log);
        double keycloakBoot = startedIn.find() ? Double.parseDouble(startedIn.group(1)) : Double.NaN;
        return new Result(milestones, ready, AUGMENTATION.matcher(log).find(), keycloakBoot);
    }

    /**
     * As Ctrl-C in a terminal does: every process of the run (run.sh, Keycloak, the web app) gets the signal at once (SIGTERM
     * here); whatever is still alive after a minute is killed.
     */
    private static void stop(Process runSh) throws InterruptedException {
        List<ProcessHandle> all = Stream.concat(runSh.descendants(), Stream.of(runSh.toHandle())).toList();
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        for (ProcessHandle process : all) {
            try {
                process.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                process.destroyForcibly();
            }
        }
    }
}
