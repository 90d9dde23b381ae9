package dev.silentrefresh.benchmarks;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The timed calls of a load run, recorded from many threads at once: their latencies in an HdrHistogram (nanoseconds,
 * three significant digits, up to two minutes) and how many ended in which outcome ({@code HTTP 200}, {@code HTTP 503},
 * {@code I/O error}, ...).
 */
public final class Outcomes {

    public static final String OK = "HTTP 200";
    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(2);

    private final ConcurrentHistogram latency = new ConcurrentHistogram(HIGHEST_NANOS, 3);
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    /** Records a call that started at {@code startNanos} ({@link System#nanoTime()}) and ended now. */
    public void record(long startNanos, String outcome) {
        latency.recordValue(Math.min(HIGHEST_NANOS, Math.max(0, System.nanoTime() - startNanos)));
        count(outcome);
    }

    /** Counts an outcome without a latency (for example a refusal that is part of the scenario). */
    public void count(String outcome) {
        counts.computeIfAbsent(outcome, name -> new LongAdder()).increment();
    }

    public static String ofStatus(int status) {
        return "HTTP " + status;
    }

    public Measurement measurement(String label, int users, double seconds) {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((outcome, count) -> snapshot.put(outcome, count.sum()));
        Histogram copy = latency.copy();
        return new Measurement(label, users, seconds, copy, snapshot);
    }
}
