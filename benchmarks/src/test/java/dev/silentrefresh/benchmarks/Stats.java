package dev.silentrefresh.benchmarks;

import java.util.List;
import java.util.Locale;

/** Median and range of a few side-by-side figures, as the report prints them. */
public final class Stats {

    private Stats() {
    }

    public static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    public static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** {@code 0.97 (0.91–1.02)}: the median and, in brackets, the lowest and highest. */
    public static String medianAndRange(List<Double> values, String format) {
        if (values.isEmpty()) {
            return "–";
        }
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", median(values), min, max);
    }

    public static String format(String format, Object... values) {
        return String.format(Locale.ROOT, format, values);
    }
}
