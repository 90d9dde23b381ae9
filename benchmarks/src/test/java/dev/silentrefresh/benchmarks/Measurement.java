package dev.silentrefresh.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;

/**
 * What one load run measured: who ran ({@code label}), with how many virtual users, for how long, the latency of every
 * call, and how many calls ended in which outcome. Throughput counts successful calls ({@code HTTP 200}) only.
 */
public record Measurement(String label, int users, double seconds, Histogram latencyNanos, Map<String, Long> outcomes) {

    public long calls() {
        return outcomes.values().stream().mapToLong(Long::longValue).sum();
    }

    public long ok() {
        return outcomes.getOrDefault(Outcomes.OK, 0L);
    }

    public long failed() {
        return calls() - ok();
    }

    /** Successful calls per second. */
    public double throughput() {
        return seconds <= 0 ? 0 : ok() / seconds;
    }

    /** The latency at {@code percentile} (0–100) in milliseconds. */
    public double millis(double percentile) {
        return latencyNanos.getTotalCount() == 0 ? Double.NaN : latencyNanos.getValueAtPercentile(percentile) / 1e6;
    }

    /** The outcomes other than success, e.g. {@code {HTTP 503=2}}. */
    public Map<String, Long> failures() {
        Map<String, Long> failures = new TreeMap<>(outcomes);
        failures.remove(Outcomes.OK);
        return failures;
    }

    /** Several runs of one label and user count as one: latencies merged, calls and seconds added up. */
    public static Measurement merge(List<Measurement> runs) {
        Measurement first = runs.get(0);
        Histogram latency = new Histogram(first.latencyNanos.getHighestTrackableValue(), 3);
        Map<String, Long> outcomes = new TreeMap<>();
        double seconds = 0;
        for (Measurement run : runs) {
            latency.add(run.latencyNanos);
            run.outcomes.forEach((outcome, count) -> outcomes.merge(outcome, count, Long::sum));
            seconds += run.seconds;
        }
        return new Measurement(first.label, first.users, seconds, latency, outcomes);
    }
}
