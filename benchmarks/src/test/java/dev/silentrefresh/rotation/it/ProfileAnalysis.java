package dev.silentrefresh.rotation.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * CPU samples of JDK Flight Recorder recordings, per refresh: in all of Keycloak, in named cost centres (a sample counts
 * for every centre one of its frames belongs to), and per method on the stack (inclusive) or on top of it (self).
 */
final class ProfileAnalysis {

    /** A place the time can go, by the frames that belong to it. */
    record CostCentre(String name, Predicate<String> frame) {

        static CostCentre ofPackage(String name, String prefix) {
            return new CostCentre(name, method -> method.startsWith(prefix));
        }

        static CostCentre ofMethods(String name, String... prefixes) {
            return new CostCentre(name, method -> List.of(prefixes).stream().anyMatch(method::startsWith));
        }
    }

    private static final String EXTENSION = "dev.silentrefresh.rotation.";

    /** What the executor does beyond Keycloak's own rotation, and what it shares with it, most specific first. */
    static final List<CostCentre> CENTRES = List.of(
            CostCentre.ofPackage("extension, all of it", EXTENSION),
            CostCentre.ofMethods("extension: the post-processor (the rule on the token endpoint)", EXTENSION + "RefreshRotationPostProcessor."),
            CostCentre.ofMethods("extension: claim and holder record (GenerationClaim)", EXTENSION + "GenerationClaim."),
            CostCentre.ofMethods("extension: revocation-mark lookups (RevocationMarks)", EXTENSION + "RevocationMarks."),
            CostCentre.ofMethods("extension: family note read/write (TokenFamilies, FamilyState)", EXTENSION + "TokenFamilies.",
                    EXTENSION + "FamilyState."),
            CostCentre.ofMethods("extension: after-commit callbacks", EXTENSION + "GenerationClaim$1."),
            CostCentre.ofMethods("extension: executor on policy events", EXTENSION + "RefreshTokenRotationExecutor."),
            CostCentre.ofMethods("Keycloak: client-policy evaluation", "org.keycloak.services.clientpolicy.DefaultClientPolicyManager.triggerOnEvent"),
            CostCentre.ofMethods("Keycloak: client-policy JSON parsing", "org.keycloak.services.clientpolicy.ClientPoliciesUtil."),
            CostCentre.ofMethods("Keycloak: single-use store", "org.keycloak.models.sessions.infinispan.InfinispanSingleUseObjectProvider",
                    "org.keycloak.models.sessions.infinispan.SingleUseObject"),
            CostCentre.ofMethods("Keycloak: its own rotation (lock, reuse check)",
                    "org.keycloak.protocol.oidc.refresh.AbstractRefreshTokenProvider.createTemporaryExclusiveLockForTokenRefreshOperation",
                    "org.keycloak.protocol.oidc.refresh.AbstractRefreshTokenProvider.validateTokenReuseForRefresh",
                    "org.keycloak.protocol.oidc.TokenManager.validateTokenReuse"),
            CostCentre.ofMethods("Keycloak: token post-processors", "org.keycloak.protocol.oidc.TokenManager$AccessTokenResponseBuilder.build"),
            CostCentre.ofPackage("Keycloak: events", "org.keycloak.events."),
            CostCentre.ofPackage("Keycloak: session changes at commit", "org.keycloak.models.sessions.infinispan.changes."),
            CostCentre.ofPackage("Keycloak: persisted sessions (JPA)", "org.keycloak.models.jpa.session."),
            CostCentre.ofPackage("Hibernate", "org.hibernate."),
            CostCentre.ofPackage("H2", "org.h2."),
            CostCentre.ofPackage("PostgreSQL driver", "org.postgresql."),
            CostCentre.ofPackage("Infinispan", "org.infinispan."),
            CostCentre.ofPackage("Jackson", "com.fasterxml.jackson."),
            CostCentre.ofMethods("token signing and encoding", "org.keycloak.jose.", "org.keycloak.crypto."));

    /** The samples of one client's recordings. */
    static final class Samples {
        int total;
        final Map<String, Integer> byCentre = new LinkedHashMap<>();
        final Map<String, Integer> inclusive = new HashMap<>();
        final Map<String, Integer> self = new HashMap<>();
        /** Wall time the extension's threads spent sleeping (waiting for a claim's holder record), in ms. */
        long extensionSleepMillis;
        /** Bytes allocated, as JFR's allocation samples estimate them (their weights): independent of the machine's load. */
        long allocatedBytes;
        final Map<String, Long> allocatedByCentre = new LinkedHashMap<>();
        final Map<String, Integer> allocatedKilobytesInclusive = new HashMap<>();
    }

    private ProfileAnalysis() {
    }

    static Samples read(List<Path> recordings) throws IOException {
        Samples samples = new Samples();
        for (Path recording : recordings) {
            for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
                if (event.getStackTrace() == null) {
                    continue;
                }
                List<String> frames = event.getStackTrace().getFrames().stream().map(ProfileAnalysis::name).toList();
                String type = event.getEventType().getName();
                if (type.equals("jdk.ThreadSleep") && frames.stream().anyMatch(f -> f.startsWith(EXTENSION))) {
                    samples.extensionSleepMillis += event.getDuration().toMillis();
                }
                if (type.equals("jdk.ObjectAllocationSample")) {
                    long weight = event.getLong("weight");
                    samples.allocatedBytes += weight;
                    new HashSet<>(frames).forEach(method -> samples.allocatedKilobytesInclusive.merge(method, (int) (weight / 1024), Integer::sum));
                    for (CostCentre centre : CENTRES) {
                        if (frames.stream().anyMatch(centre.frame())) {
                            samples.allocatedByCentre.merge(centre.name(), weight, Long::sum);
                        }
                    }
                }
                if (!type.equals("jdk.ExecutionSample")) {
                    continue;
                }
                samples.total++;
                for (CostCentre centre : CENTRES) {
                    if (frames.stream().anyMatch(centre.frame())) {
                        samples.byCentre.merge(centre.name(), 1, Integer::sum);
                    }
                }
                new HashSet<>(frames).forEach(method -> samples.inclusive.merge(method, 1, Integer::sum));
                if (!frames.isEmpty()) {
                    samples.self.merge(frames.get(0), 1, Integer::sum);
                }
            }
        }
        return samples;
    }

    /**
     * Samples per 100 refreshes of every cost centre, and its share of the client's samples, one column per client. On a
     * loaded machine the share is the steadier figure: JFR samples threads that are runnable in Java, whether or not
     * they have a core, so a window with more competing load yields more samples per refresh for every method alike.
     */
    static void printCentres(Map<String, Samples> byClient, Map<String, Long> refreshes) {
        System.out.printf(Locale.ROOT, "%-66s%s%n", "CPU samples per 100 refreshes (share of the client's samples)", header(byClient.keySet()));
        System.out.printf(Locale.ROOT, "%-66s%s%n", "all of Keycloak", row(byClient, refreshes, s -> s.total));
        for (CostCentre centre : CENTRES) {
            System.out.printf(Locale.ROOT, "%-66s%s%n", centre.name(),
                    row(byClient, refreshes, s -> s.byCentre.getOrDefault(centre.name(), 0)));
        }
        byClient.forEach((client, s) -> System.out.printf(Locale.ROOT, "%s: the extension's threads slept %.2f ms per 100 refreshes%n",
                client, 100.0 * s.extensionSleepMillis / refreshes.get(client)));
        System.out.printf(Locale.ROOT, "%-66s%s%n", "KB allocated per refresh (share of the client's allocation)", header(byClient.keySet()));
        System.out.printf(Locale.ROOT, "%-66s%s%n", "all of Keycloak", allocationRow(byClient, refreshes, s -> s.allocatedBytes));
        for (CostCentre centre : CENTRES) {
            System.out.printf(Locale.ROOT, "%-66s%s%n", centre.name(),
                    allocationRow(byClient, refreshes, s -> s.allocatedByCentre.getOrDefault(centre.name(), 0L)));
        }
    }

    private static String allocationRow(Map<String, Samples> byClient, Map<String, Long> refreshes,
                                        java.util.function.ToLongFunction<Samples> bytes) {
        StringBuilder line = new StringBuilder();
        byClient.forEach((client, s) -> line.append(String.format(Locale.ROOT, "%9.1f (%4.1f%%)",
                bytes.applyAsLong(s) / 1024.0 / refreshes.get(client), s.allocatedBytes == 0 ? 0 : 100.0 * bytes.applyAsLong(s) / s.allocatedBytes)));
        return line.toString();
    }

    /**
     * The methods whose samples per 100 refreshes differ most between two clients, on the stack or on top of it, and
     * those whose allocation (KB per 100 refreshes, on the stack) differs most.
     */
    static void printDifferences(String first, String second, Map<String, Samples> byClient, Map<String, Long> refreshes, int limit) {
        print("inclusive CPU", first, second, byClient.get(first).inclusive, byClient.get(second).inclusive, refreshes, limit);
        print("self CPU", first, second, byClient.get(first).self, byClient.get(second).self, refreshes, limit);
        print("allocated KB (inclusive)", first, second, byClient.get(first).allocatedKilobytesInclusive,
                byClient.get(second).allocatedKilobytesInclusive, refreshes, limit);
    }

    /**
     * Analyses the recordings of an earlier run again: {@code ProfileAnalysis <folder> A=<refreshes> B=<refreshes> ...}
     * with the refresh counts {@link RefreshProfile} printed; the folder holds its {@code <client><window>.jfr} files.
     */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args[0]);
        Map<String, Samples> byClient = new LinkedHashMap<>();
        Map<String, Long> refreshes = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String client = args[i].substring(0, args[i].indexOf('='));
            refreshes.put(client, Long.parseLong(args[i].substring(args[i].indexOf('=') + 1)));
            try (var files = java.nio.file.Files.list(folder)) {
                byClient.put(client, read(files.filter(f -> f.getFileName().toString().matches(client + "[0-9]+\\.jfr")).sorted().toList()));
            }
        }
        printCentres(byClient, refreshes);
        for (String other : List.of("C", "B")) {
            if (byClient.containsKey("A") && byClient.containsKey(other)) {
                printDifferences("A", other, byClient, refreshes, 40);
            }
        }
    }

    private static void print(String kind, String first, String second, Map<String, Integer> a, Map<String, Integer> b,
                              Map<String, Long> refreshes, int limit) {
        Set<String> methods = new HashSet<>(a.keySet());
        methods.addAll(b.keySet());
        Map<String, Double> difference = new HashMap<>();
        for (String method : methods) {
            difference.put(method, per100(a.getOrDefault(method, 0), refreshes.get(first)) - per100(b.getOrDefault(method, 0), refreshes.get(second)));
        }
        System.out.printf(Locale.ROOT, "%s samples per 100 refreshes, %s minus %s, largest first:%n", kind, first, second);
        difference.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())).limit(limit)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %+7.2f  (%6.2f vs %6.2f)  %s%n", e.getValue(),
                        per100(a.getOrDefault(e.getKey(), 0), refreshes.get(first)),
                        per100(b.getOrDefault(e.getKey(), 0), refreshes.get(second)), e.getKey()));
    }

    private static String header(Set<String> clients) {
        StringBuilder line = new StringBuilder();
        clients.forEach(client -> line.append(String.format(Locale.ROOT, "%17s", client)));
        return line.toString();
    }

    private static String row(Map<String, Samples> byClient, Map<String, Long> refreshes, java.util.function.ToIntFunction<Samples> count) {
        StringBuilder line = new StringBuilder();
        byClient.forEach((client, s) -> line.append(String.format(Locale.ROOT, "%9.2f (%4.1f%%)", per100(count.applyAsInt(s), refreshes.get(client)),
                s.total == 0 ? 0 : 100.0 * count.applyAsInt(s) / s.total)));
        return line.toString();
    }

    private static double per100(int count, long refreshes) {
        return 100.0 * count / refreshes;
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
