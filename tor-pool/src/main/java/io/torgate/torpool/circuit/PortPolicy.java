package io.torgate.torpool.circuit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A relay's exit policy summary, as its microdescriptor's {@code p} line gives it: {@code accept 80,443,8000-9000}
 * or {@code reject 25,119}. It is a summary: ports are listed when the relay accepts (or rejects) them for most
 * addresses, which is what tor itself uses to pick exits for a port before it knows the address.
 */
public final class PortPolicy {

    /** No {@code p} line: the relay exits nowhere. */
    public static final PortPolicy REJECT_ALL = new PortPolicy(true, List.of());

    private final boolean accept;
    /** Inclusive ranges, as pairs. */
    private final List<int[]> ranges;
    private final String text;

    private PortPolicy(boolean accept, List<int[]> ranges) {
        this.accept = accept;
        this.ranges = ranges;
        StringBuilder b = new StringBuilder(accept ? "accept " : "reject ");
        for (int i = 0; i < ranges.size(); i++) {
            int[] r = ranges.get(i);
            b.append(i == 0 ? "" : ",").append(r[0] == r[1] ? String.valueOf(r[0]) : r[0] + "-" + r[1]);
        }
        this.text = ranges.isEmpty() ? "reject 1-65535" : b.toString();
    }

    /**
     * Parses {@code accept|reject PORTLIST}; the leading {@code p } of the microdescriptor line may be left on.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PortPolicy parse(String summary) {
        String s = Objects.requireNonNull(summary, "summary").strip();
        if (s.startsWith("p ")) {
            s = s.substring(2).strip();
        }
        String[] parts = s.split("\\s+");
        if (parts.length != 2 || !(parts[0].equals("accept") || parts[0].equals("reject"))) {
            throw new IllegalArgumentException("not a policy summary (accept|reject PORTS): " + summary);
        }
        List<int[]> ranges = new ArrayList<>();
        for (String item : parts[1].split(",")) {
            int dash = item.indexOf('-');
            int lo = port(dash < 0 ? item : item.substring(0, dash), summary);
            int hi = dash < 0 ? lo : port(item.substring(dash + 1), summary);
            if (hi < lo) {
                throw new IllegalArgumentException("port range " + item + " runs backwards in " + summary);
            }
            ranges.add(new int[] {lo, hi});
        }
        return new PortPolicy(parts[0].equals("accept"), List.copyOf(ranges));
    }

    private static int port(String s, String summary) {
        try {
            int p = Integer.parseInt(s);
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port " + s + " out of range in " + summary);
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port '" + s + "' in " + summary);
        }
    }

    /** Whether a stream to {@code port} may leave through this relay. */
    public boolean accepts(int port) {
        boolean listed = false;
        for (int[] r : ranges) {
            if (port >= r[0] && port <= r[1]) {
                listed = true;
                break;
            }
        }
        return accept == listed;
    }

    /** Whether it accepts any port at all. */
    public boolean acceptsSome() {
        return accept ? !ranges.isEmpty() : !(ranges.size() == 1 && ranges.get(0)[0] == 1 && ranges.get(0)[1] == 65535);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortPolicy p && p.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
