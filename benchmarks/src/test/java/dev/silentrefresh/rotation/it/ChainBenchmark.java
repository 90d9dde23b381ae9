package dev.silentrefresh.rotation.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.silentrefresh.benchmarks.Measurement;
import dev.silentrefresh.benchmarks.Outcomes;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Issue 9, item 2: the executor's state per family is one note of fixed size, so neither a chain's length nor the number
 * of families in a client session should show in a refresh's cost.
 *
 * <ul>
 * <li>Chain length: one chain of client A is refreshed {@code length} times; then, in turns, its next refreshes and those
 * of young chains (a new login every 20 refreshes, so around the 10th refresh) are timed side by side.</li>
 * <li>Families: one browser logs in {@code families} times (silently after the first), so that its client session holds
 * that many families; its newest family and a chain in a client session of its own are then refreshed in turns. With
 * PostgreSQL, the client session's stored size gives the bytes per family.</li>
 * </ul>
 */
final class ChainBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code buckets}: position of the bucket's last refresh to its median latency in ms, while the long chain grew. */
    record ChainResult(int length, double[][] buckets, Measurement young, Measurement old) {
    }

    record FamiliesResult(int families, Measurement crowded, Measurement alone, long storedBytesWithOne, long storedBytesWithAll,
                          double noteBytesPerFamily) {

        double bytesPerFamily() {
            return families > 1 ? (double) (storedBytesWithAll - storedBytesWithOne) / (families - 1) : Double.NaN;
        }
    }

    private ChainBenchmark() {
    }

    static ChainResult chainLength(OidcTestClient spa, int length, int sampled) throws Exception {
        RefreshChain chain = RefreshChain.loggedIn(spa);
        int bucketSize = Math.max(1, (length - sampled) / 20);
        List<double[]> buckets = new ArrayList<>();
        Outcomes bucket = new Outcomes();
        for (int position = 1; position <= length - sampled; position++) {
            long start = System.nanoTime();
            bucket.record(start, Outcomes.ofStatus(chain.send()));
            if (position % bucketSize == 0) {
                buckets.add(new double[] {position, bucket.measurement("bucket", 1, 1).millis(50)});
                bucket = new Outcomes();
            }
        }
        Outcomes young = new Outcomes();
        Outcomes old = new Outcomes();
        RefreshChain youngChain = null;
        for (int i = 0; i < sampled; i++) {
            if (i % 20 == 0) {
                youngChain = RefreshChain.loggedIn(spa);
            }
            long start = System.nanoTime();
            young.record(start, Outcomes.ofStatus(youngChain.send()));
            start = System.nanoTime();
            old.record(start, Outcomes.ofStatus(chain.send()));
        }
        double[][] series = new double[2][buckets.size()];
        for (int i = 0; i < buckets.size(); i++) {
            series[0][i] = buckets.get(i)[0];
            series[1][i] = buckets.get(i)[1];
        }
        return new ChainResult(length, series, young.measurement("refreshes 1–20 of young chains", 1, 1),
                old.measurement("refreshes " + (length - sampled + 1) + "–" + length + " of one chain", 1, 1));
    }

    static FamiliesResult families(BenchKeycloak keycloak, OidcTestClient spa, int families, int sampled) throws Exception {
        OidcTestClient.Browser crowdedBrowser = new OidcTestClient.Browser();
        TokenResponse first = spa.login(crowdedBrowser, RefreshChain.USER, RefreshChain.USER, "");
        String sessionId = (String) Jwt.claims(first.refreshToken()).get("sid");
        long bytesWithOne = storedBytes(keycloak, sessionId);
        TokenResponse newest = first;
        for (int i = 1; i < families; i++) {
            newest = spa.login(crowdedBrowser, RefreshChain.USER, RefreshChain.USER, "");
        }
        long bytesWithAll = storedBytes(keycloak, sessionId);
        double noteBytes = familyNoteBytes(keycloak, sessionId);
        String crowded = newest.refreshToken();
        String alone = spa.login(RefreshChain.USER, RefreshChain.USER).refreshToken();
        Outcomes crowdedTimes = new Outcomes();
        Outcomes aloneTimes = new Outcomes();
        for (int i = 0; i < sampled; i++) {
            long start = System.nanoTime();
            TokenResponse a = spa.refresh(crowded);
            crowdedTimes.record(start, Outcomes.ofStatus(a.status()));
            crowded = a.status() == 200 ? a.refreshToken() : crowded;
            start = System.nanoTime();
            TokenResponse b = spa.refresh(alone);
            aloneTimes.record(start, Outcomes.ofStatus(b.status()));
            alone = b.status() == 200 ? b.refreshToken() : alone;
        }
        return new FamiliesResult(families, crowdedTimes.measurement("a family among " + families + " in one client session", 1, 1),
                aloneTimes.measurement("the only family of its client session", 1, 1), bytesWithOne, bytesWithAll, noteBytes);
    }

    /** The size of the client session's stored data (Keycloak's persistent sessions, online), or -1 without PostgreSQL. */
    private static long storedBytes(BenchKeycloak keycloak, String sessionId) throws Exception {
        if (keycloak.postgres() == null) {
            return -1;
        }
        String bytes = keycloak.sql("select coalesce(sum(octet_length(data)), -1) from offline_client_session where user_session_id = '"
                + sessionId.replace("'", "") + "' and offline_flag = '0'");
        return Long.parseLong(bytes.strip());
    }

    /** The average size of one family's note (key and value) in the stored client session, or NaN without PostgreSQL. */
    private static double familyNoteBytes(BenchKeycloak keycloak, String sessionId) throws Exception {
        if (keycloak.postgres() == null) {
            return Double.NaN;
        }
        String data = keycloak.sql("select data from offline_client_session where user_session_id = '" + sessionId.replace("'", "")
                + "' and offline_flag = '0'");
        Map<String, Object> stored = JSON.readValue(data, new TypeReference<>() { });
        @SuppressWarnings("unchecked")
        Map<String, String> notes = (Map<String, String>) stored.getOrDefault("notes", Map.of());
        List<Integer> sizes = notes.entrySet().stream().filter(note -> note.getKey().startsWith("rtr.f."))
                .map(note -> note.getKey().length() + note.getValue().length()).toList();
        return sizes.stream().mapToInt(Integer::intValue).average().orElse(Double.NaN);
    }
}
