package io.torgate.bench.load;

import java.util.Arrays;
import java.util.List;

/** Medians and percentiles (nearest rank) of measured figures. */
final class Stats {

    private Stats() {
    }

    /** Nearest-rank percentile of sorted values; NaN when there are none. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Nearest-rank percentile of sorted values; NaN when there are none. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double[] sorted(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v;
    }

    /**
     * A 95 % interval for the median of sorted values: the order statistics a sign test puts around it
     * (distribution-free, which matters with Tor's heavy-tailed latencies); NaNs when there are fewer than 6.
     */
    static double[] medianConfidence95(double[] sorted) {
        int n = sorted.length;
        if (n < 6) {
            return new double[] {Double.NaN, Double.NaN};
        }
        // Binomial(n, 1/2) in its normal approximation: ranks n/2 ± 1.96·√n/2 (1-based), rounded outwards.
        int k = Math.max(1, (int) Math.floor(n / 2.0 - 1.96 * Math.sqrt(n) / 2.0));
        return new double[] {sorted[k - 1], sorted[n - k]};
    }
}
