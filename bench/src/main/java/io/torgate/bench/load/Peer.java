package io.torgate.bench.load;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One thing under test: a SOCKS5 server at {@code socks}, or the sink itself when {@code socks} is null (the
 * direct-TCP limit). {@code memory} reads its memory and {@code cpu} its CPU time (null: not measured);
 * {@code trafficRuns} false for a peer that is there only for a memory figure.
 */
record Peer(String name, InetSocketAddress socks, MemoryProbe memory, ProcessCpu cpu, boolean trafficRuns) {

    static final String DIRECT = "direct";

    Peer {
        Objects.requireNonNull(name, "name");
    }

    static Peer direct() {
        return new Peer(DIRECT, null, null, null, true);
    }

    /** CPU seconds used so far, NaN when not measured. */
    double cpuSeconds() {
        return cpu == null ? Double.NaN : cpu.seconds();
    }

    boolean isDirect() {
        return socks == null;
    }
}
