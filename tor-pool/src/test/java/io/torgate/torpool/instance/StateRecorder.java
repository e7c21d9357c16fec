package io.torgate.torpool.instance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/** Records every transition of an instance so tests can wait for one and check the order. */
final class StateRecorder implements StateListener {

    record Transition(InstanceState from, InstanceState to, String reason) {
        @Override
        public String toString() {
            return from + "->" + to + " (" + reason + ")";
        }
    }

    private final List<Transition> transitions = new ArrayList<>();

    @Override
    public synchronized void onStateChange(TorInstance instance, InstanceState from, InstanceState to, String reason) {
        transitions.add(new Transition(from, to, reason));
    }

    synchronized List<Transition> all() {
        return List.copyOf(transitions);
    }

    synchronized List<InstanceState> states() {
        return transitions.stream().map(Transition::to).toList();
    }

    /** Number of transitions so far: pass it to {@link #awaitAfter} to wait for a later one. */
    synchronized int mark() {
        return transitions.size();
    }

    /** Waits for a transition into {@code state} at or after position {@code from}; returns it. */
    Transition awaitAfter(int from, InstanceState state, Duration atMost) {
        return Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(20))
                .until(() -> find(from, state), t -> t != null);
    }

    Transition await(InstanceState state, Duration atMost) {
        return awaitAfter(0, state, atMost);
    }

    private synchronized Transition find(int from, InstanceState state) {
        for (int i = from; i < transitions.size(); i++) {
            if (transitions.get(i).to() == state) {
                return transitions.get(i);
            }
        }
        return null;
    }

    @Override
    public synchronized String toString() {
        return transitions.toString();
    }
}
