package io.torgate.torpool.circuit;

import java.time.Duration;

/**
 * Hears what the circuit machinery of each instance does, for metrics: circuits built (and how long that took,
 * retries included), builds that failed for good (by reason), and how long each stream waited for torgate to
 * attach it. Called on tor's control reader thread: must be quick and must not block. No per-session detail.
 */
public interface CircuitListener {

    CircuitListener NONE = new CircuitListener() { };

    /** A circuit torgate asked for was BUILT. */
    default void circuitBuilt(String instance, Duration buildTime, int attempts) {
    }

    /**
     * A circuit could not be built after its retries.
     *
     * @param reason tor's CIRC reason in lower case ({@code timeout}, {@code destroyed}…), or torgate's own
     *               ({@code timeout}, {@code extend_refused}, or a {@link NoPathException.Reason} label)
     */
    default void circuitFailed(String instance, String reason) {
    }

    /** A stream was attached: from its STREAM NEW (or DETACHED) event to tor's 250 for ATTACHSTREAM. */
    default void streamAttached(String instance, long nanos) {
    }
}
