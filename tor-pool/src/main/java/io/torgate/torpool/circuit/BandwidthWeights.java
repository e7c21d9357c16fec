package io.torgate.torpool.circuit;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The consensus {@code bandwidth-weights} (dir-spec §3.8.3, path-spec §2.2): how much of a relay's bandwidth counts
 * when it is chosen for a position, by its flags. {@code Wxy}: x the position (g guard, m middle, e exit), y the
 * relay's kind (g Guard only, m neither, e Exit only, d Guard and Exit). Missing weights count as the scale (10000),
 * as tor does; so a consensus without the line weighs by bandwidth alone.
 */
public final class BandwidthWeights {

    /** tor's {@code bwweightscale} default. */
    public static final int SCALE = 10_000;

    /** No {@code bandwidth-weights} line: every weight at the scale. */
    public static final BandwidthWeights NONE = new BandwidthWeights(Map.of());

    /** Where on the circuit a relay would go. */
    public enum Position { GUARD, MIDDLE, EXIT }

    private final Map<String, Integer> w;

    private BandwidthWeights(Map<String, Integer> w) {
        this.w = Map.copyOf(w);
    }

    /** Parses {@code bandwidth-weights Wbd=… Wee=…} (the keyword may be left off); unreadable pairs are skipped. */
    public static BandwidthWeights parse(String line) {
        Map<String, Integer> w = new HashMap<>();
        for (String part : line.strip().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            try {
                w.put(part.substring(0, eq), Integer.parseInt(part.substring(eq + 1)));
            } catch (NumberFormatException e) {
                // skip: a weight tor would not read either
            }
        }
        return new BandwidthWeights(w);
    }

    /** The weight, out of {@link #SCALE}, for a relay with these flags at this position. */
    public int weight(Position position, Set<String> flags) {
        boolean guard = flags.contains("Guard");
        boolean exit = flags.contains("Exit") && !flags.contains("BadExit");
        char kind = guard && exit ? 'd' : guard ? 'g' : exit ? 'e' : 'm';
        char at = switch (position) {
            case GUARD -> 'g';
            case MIDDLE -> 'm';
            case EXIT -> 'e';
        };
        if (position == Position.GUARD && kind == 'e') {
            return 0; // tor never weighs an exit-only relay for the guard position
        }
        return w.getOrDefault("W" + at + kind, SCALE);
    }

    @Override
    public String toString() {
        return "BandwidthWeights" + new java.util.TreeMap<>(w);
    }
}
