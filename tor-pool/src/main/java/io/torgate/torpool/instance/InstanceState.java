package io.torgate.torpool.instance;

/**
 * Where a supervised tor is in its life. Every change is reported to {@link StateListener}s with a reason.
 * <pre>
 *   STOPPED ─start→ STARTING → BOOTSTRAPPING → READY ⇄ DEGRADED
 *                      ↑             │           │        │
 *                      └─ RESTARTING ←───────────┴────────┘   (crash, lost control, stall, failing circuits)
 *   any running state → FAILED (bad tor/config, or too many restarts) · any running state → STOPPED (stop)
 * </pre>
 */
public enum InstanceState {
    /** The process is being launched and its control port connected. */
    STARTING,
    /** Connected; tor is fetching the directory and building its first circuits. */
    BOOTSTRAPPING,
    /** Bootstrapped with a known SOCKS port: usable. */
    READY,
    /** Running but unwell (bootstrap stalled or circuits failing): a NEWNYM was sent; a restart follows if it does not recover. */
    DEGRADED,
    /** The process is gone or being replaced; a new one starts after a backoff. */
    RESTARTING,
    /** Not running, by request (also the state before the first start). */
    STOPPED,
    /** Not running and not retried: the binary or config is unusable, or restarts kept failing. */
    FAILED;

    /** Whether a tor process may be running in this state. */
    public boolean isRunning() {
        return this == STARTING || this == BOOTSTRAPPING || this == READY || this == DEGRADED;
    }
}
