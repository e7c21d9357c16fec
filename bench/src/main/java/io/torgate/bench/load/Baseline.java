package io.torgate.bench.load;

/**
 * A peer the subject is compared with, and the ratios the subject must reach: {@code bulkAtLeast} on
 * throughput, {@code connAtLeast} on connection rate (NaN: no target, ratio not reported), and, when
 * {@code latency} is set, the subject's added connect latency (p50/p99 difference) is reported against it.
 */
record Baseline(String name, double bulkAtLeast, double connAtLeast, boolean latency) {

    /** {@code NAME:BULK:CONN[:latency]}, with {@code -} for "no target", e.g. {@code direct:0.5:-}. */
    static Baseline parse(String spec) {
        String[] p = spec.split(":");
        if (p.length < 3 || p.length > 4 || (p.length == 4 && !p[3].equals("latency"))) {
            throw new IllegalArgumentException("--baseline: expected NAME:BULK:CONN[:latency], got '" + spec + "'");
        }
        return new Baseline(p[0], ratio(p[1], spec), ratio(p[2], spec), p.length == 4);
    }

    private static double ratio(String v, String spec) {
        if (v.equals("-")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--baseline: '" + v + "' is not a ratio in '" + spec + "'");
        }
    }
}
