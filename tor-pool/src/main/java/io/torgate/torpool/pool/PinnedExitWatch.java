package io.torgate.torpool.pool;

import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.ControlEventListener;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Watches the circuits of an instance whose profile is one exit: every exit circuit it launches goes through
 * that exit, so consecutive failures of circuits launched under the profile (with none built in between) mean
 * the exit cannot be reached, whatever the directory says. Attached to the control connection the profile
 * was set on, so it dies with it. Runs on the control reader thread: only counts and calls back.
 */
final class PinnedExitWatch implements ControlEventListener {

    /** Consecutive failures that make an exit unreachable (the instance itself degrades only at 10 per minute). */
    static final int FAILURES = 3;
    private static final int REMEMBERED = 256;

    interface Callback {
        void failing(PinnedExitWatch watch, String fingerprint, String reason);

        void built(PinnedExitWatch watch, String fingerprint);
    }

    final String fingerprint;
    private final Callback callback;
    private final Set<String> launched = new LinkedHashSet<>(); // guarded by this
    private int consecutiveFailures; // guarded by this

    PinnedExitWatch(String fingerprint, Callback callback) {
        this.fingerprint = fingerprint;
        this.callback = callback;
    }

    @Override
    public void onCircuit(CircuitEvent event) {
        String failure = null;
        boolean built = false;
        synchronized (this) {
            if (event.status() == CircuitEvent.Status.LAUNCHED) {
                launched.add(event.id());
                if (launched.size() > REMEMBERED) {
                    launched.remove(launched.iterator().next());
                }
                return;
            }
            if (!launched.contains(event.id()) || !event.isGeneralExitCircuit()) {
                return; // launched before the profile, or not an exit circuit
            }
            if (event.status() == CircuitEvent.Status.BUILT) {
                consecutiveFailures = 0;
                built = true;
            } else if (event.isHealthFailure()) {
                launched.remove(event.id());
                if (++consecutiveFailures >= FAILURES) {
                    failure = consecutiveFailures + " circuits to it failed in a row (last: "
                            + event.reason().orElse("no reason given") + ")";
                }
            }
        }
        if (built) {
            callback.built(this, fingerprint);
        } else if (failure != null) {
            callback.failing(this, fingerprint, failure);
        }
    }
}
