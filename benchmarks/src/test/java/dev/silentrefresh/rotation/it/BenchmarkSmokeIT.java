package dev.silentrefresh.rotation.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.silentrefresh.benchmarks.Measurement;
import org.junit.jupiter.api.Test;

/**
 * Every part of docs/benchmarks.md for a second or two (the suite's smoke plan), so that the benchmarks cannot rot
 * between their real runs: the report and its charts are written into {@code target/benchmarks-smoke}. It measures
 * nothing worth reading and asserts no speed, only that every part ran and no request failed.
 */
class BenchmarkSmokeIT {

    @Test
    void everyBenchmarkRunsAndTheReportIsWritten() throws Exception {
        Path out = Path.of("target", "benchmarks-smoke").toAbsolutePath();

        BenchmarkSuite.Results results = BenchmarkSuite.run(BenchmarkSuite.SMOKE, Path.of("target", "bench-smoke").toAbsolutePath());
        BenchmarkReport.write(results, out);

        List<Measurement> tokenEndpoint = results.tokenEndpoint().stream().flatMap(r -> r.rounds().values().stream())
                .flatMap(byClient -> byClient.values().stream()).flatMap(List::stream).toList();
        assertFalse(tokenEndpoint.isEmpty());
        assertTrue(tokenEndpoint.stream().allMatch(m -> m.ok() > 0 && m.failed() == 0), tokenEndpoint.stream().map(Measurement::outcomes).toList().toString());
        assertEquals(0, results.chain().old().failed() + results.chain().young().failed());
        assertEquals(0, results.families().crowded().failed() + results.families().alone().failed());
        assertTrue(results.filter().rounds().stream().allMatch(r -> r.perSecond() > 0 && r.errors() == 0), results.filter().rounds().toString());
        assertEquals(4, results.jmh().size(), "the four verification paths");
        String report = Files.readString(out.resolve("benchmarks.md"));
        for (String chart : List.of("token-endpoint-h2.png", "token-endpoint-p99-h2.png", "chain-length.png", "filter.png")) {
            assertTrue(report.contains("(" + chart + ")"), "the report embeds " + chart);
            assertTrue(Files.size(out.resolve(chart)) > 1000, chart + " was drawn");
        }
    }
}
