package dev.silentrefresh.rotation.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.silentrefresh.benchmarks.ClosedLoop;
import dev.silentrefresh.benchmarks.Measurement;

/**
 * Issue 9, item 1: refreshes per second and latency of the three clients of {@link BenchKeycloak} (A with the executor, B
 * without rotation, C with Keycloak's built-in rotation) in one Keycloak, at several numbers of virtual users. Each
 * virtual user keeps its own chain. The clients take turns in short rounds (A B C, B C A, C A B, ...) so that machine
 * noise hits all three alike; before the measured rounds of each level every client runs one unmeasured warm-up round.
 */
final class TokenEndpointBenchmark {

    static final List<String> CLIENTS = List.of("A", "B", "C");

    /** Per number of virtual users, per client, the measured rounds in the order they ran. */
    record Result(String setting, Map<Integer, Map<String, List<Measurement>>> rounds) {

        Measurement merged(int users, String client) {
            return Measurement.merge(rounds.get(users).get(client));
        }

        /** The ratio of throughputs {@code a / b} in each round, side by side (round i of a against round i of b). */
        List<Double> throughputRatios(int users, String a, String b) {
            List<Measurement> as = rounds.get(users).get(a);
            List<Measurement> bs = rounds.get(users).get(b);
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < Math.min(as.size(), bs.size()); i++) {
                ratios.add(as.get(i).throughput() / bs.get(i).throughput());
            }
            return ratios;
        }
    }

    private TokenEndpointBenchmark() {
    }

    /**
     * @param setting how the server runs, for the report
     * @param clients clients A, B and C
     */
    static Result run(String setting, Map<String, Supplier<OidcTestClient>> clients, List<Integer> userCounts, int rounds, Duration roundLength,
                      Duration warmUp) throws Exception {
        int most = userCounts.stream().mapToInt(Integer::intValue).max().orElseThrow();
        Map<String, List<RefreshChain>> chains = new LinkedHashMap<>();
        for (String client : CLIENTS) {
            chains.put(client, RefreshChain.loggedIn(clients.get(client), most));
        }
        Map<Integer, Map<String, List<Measurement>>> results = new LinkedHashMap<>();
        for (int users : userCounts) {
            Map<String, List<Measurement>> byClient = new LinkedHashMap<>();
            for (String client : CLIENTS) {
                ClosedLoop.run(client, chains.get(client).subList(0, users), warmUp, Long.MAX_VALUE);
                byClient.put(client, new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (int turn = 0; turn < CLIENTS.size(); turn++) {
                    String client = CLIENTS.get((round + turn) % CLIENTS.size());
                    byClient.get(client).add(ClosedLoop.run(client, chains.get(client).subList(0, users), roundLength, Long.MAX_VALUE));
                }
            }
            results.put(users, byClient);
            System.out.println(summary(setting, users, byClient));
        }
        return new Result(setting, results);
    }

    private static String summary(String setting, int users, Map<String, List<Measurement>> byClient) {
        StringBuilder line = new StringBuilder(setting + ", " + users + " VUs:");
        for (String client : CLIENTS) {
            Measurement merged = Measurement.merge(byClient.get(client));
            line.append(String.format(java.util.Locale.ROOT, "  %s %.0f/s p50 %.1f p99 %.1f ms %s", client, merged.throughput(),
                    merged.millis(50), merged.millis(99), merged.failures().isEmpty() ? "" : merged.failures()));
        }
        return line.toString();
    }
}
