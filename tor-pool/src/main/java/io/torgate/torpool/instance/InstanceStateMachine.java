package io.torgate.torpool.instance;

import static io.torgate.torpool.instance.InstanceState.BOOTSTRAPPING;
import static io.torgate.torpool.instance.InstanceState.DEGRADED;
import static io.torgate.torpool.instance.InstanceState.FAILED;
import static io.torgate.torpool.instance.InstanceState.READY;
import static io.torgate.torpool.instance.InstanceState.RESTARTING;
import static io.torgate.torpool.instance.InstanceState.STARTING;
import static io.torgate.torpool.instance.InstanceState.STOPPED;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The instance's state and the transitions it may take. Kept apart from the supervisor so the table is
 * unit-tested on its own and an impossible transition is a loud bug, not a silent mix-up.
 */
final class InstanceStateMachine {

    /** Receives each transition; called synchronously by {@link #moveTo}. */
    interface Sink {
        void transition(InstanceState from, InstanceState to, String reason);
    }

    private static final Map<InstanceState, Set<InstanceState>> ALLOWED = new EnumMap<>(InstanceState.class);

    static {
        ALLOWED.put(STOPPED, EnumSet.of(STARTING));
        ALLOWED.put(STARTING, EnumSet.of(BOOTSTRAPPING, RESTARTING, FAILED, STOPPED));
        ALLOWED.put(BOOTSTRAPPING, EnumSet.of(READY, DEGRADED, RESTARTING, FAILED, STOPPED));
        ALLOWED.put(READY, EnumSet.of(DEGRADED, RESTARTING, FAILED, STOPPED));
        ALLOWED.put(DEGRADED, EnumSet.of(READY, BOOTSTRAPPING, RESTARTING, FAILED, STOPPED));
        ALLOWED.put(RESTARTING, EnumSet.of(STARTING, FAILED, STOPPED));
        ALLOWED.put(FAILED, EnumSet.of(STARTING));
    }

    private final Sink sink;
    private volatile InstanceState current = STOPPED;

    InstanceStateMachine(Sink sink) {
        this.sink = sink;
    }

    InstanceState current() {
        return current;
    }

    static boolean allowed(InstanceState from, InstanceState to) {
        return ALLOWED.get(from).contains(to);
    }

    /**
     * Moves to {@code to} and tells the sink.
     *
     * @throws IllegalStateException for a transition the table does not allow (a supervisor bug)
     */
    void moveTo(InstanceState to, String reason) {
        InstanceState from = current;
        if (!allowed(from, to)) {
            throw new IllegalStateException("illegal instance transition " + from + " -> " + to + " (" + reason + ")");
        }
        current = to;
        sink.transition(from, to, reason);
    }
}
