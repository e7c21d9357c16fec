package io.torgate.torpool.control;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The latest known state of each of one tor's circuits, kept from CIRC events (and seeded from
 * {@code GETINFO circuit-status} for circuits built before the subscription). Ended circuits (FAILED,
 * CLOSED) are remembered a while, bounded, so a late question about a short-lived stream still finds its
 * path. Thread-safe: written on the control reader thread, read from anywhere.
 */
public final class CircuitTracker implements ControlEventListener {

    static final int ENDED_REMEMBERED = 1024;

    private final Map<String, CircuitEvent> live = new HashMap<>();
    private final Map<String, CircuitEvent> ended = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CircuitEvent> eldest) {
            return size() > ENDED_REMEMBERED;
        }
    };

    @Override
    public synchronized void onCircuit(CircuitEvent event) {
        CircuitEvent merged = mergeWithKnown(event);
        if (event.isTerminal()) {
            live.remove(event.id());
            ended.put(event.id(), merged);
        } else {
            live.put(event.id(), merged);
        }
    }

    /**
     * FAILED/CLOSED events repeat the path, but an EXTENDED or GUARD_WAIT line may carry less than we
     * already know; keep the longest path and the username seen so far.
     */
    private CircuitEvent mergeWithKnown(CircuitEvent event) {
        CircuitEvent known = live.get(event.id());
        if (known == null) {
            return event;
        }
        boolean keepPath = event.path().size() < known.path().size();
        boolean keepUser = event.socksUsername().isEmpty() && known.socksUsername().isPresent();
        if (!keepPath && !keepUser) {
            return event;
        }
        return new CircuitEvent(event.id(), event.status(), keepPath ? known.path() : event.path(), event.buildFlags(),
                event.purpose().isEmpty() ? known.purpose() : event.purpose(),
                keepUser ? known.socksUsername() : event.socksUsername(), event.reason(), event.remoteReason());
    }

    /** Adds circuits tor already had, without overwriting anything an event has told us since. */
    public synchronized void seed(Collection<CircuitEvent> circuits) {
        for (CircuitEvent c : circuits) {
            if (!live.containsKey(c.id()) && !ended.containsKey(c.id())) {
                if (c.isTerminal()) {
                    ended.put(c.id(), c);
                } else {
                    live.put(c.id(), c);
                }
            }
        }
    }

    /** The latest state of a circuit, live or recently ended. */
    public synchronized Optional<CircuitEvent> circuit(String id) {
        CircuitEvent c = live.get(id);
        return Optional.ofNullable(c != null ? c : ended.get(id));
    }

    /** Circuits that are currently built. */
    public synchronized List<CircuitEvent> built() {
        List<CircuitEvent> out = new ArrayList<>();
        for (CircuitEvent c : live.values()) {
            if (c.status() == CircuitEvent.Status.BUILT) {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }

    /** Forgets everything (tor restarted: circuit ids start over). */
    public synchronized void clear() {
        live.clear();
        ended.clear();
    }
}
