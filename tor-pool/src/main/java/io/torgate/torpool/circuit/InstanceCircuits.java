package io.torgate.torpool.circuit;

import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.ControlEventListener;
import io.torgate.torpool.control.StreamEvent;
import io.torgate.torpool.control.TorControl;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuits torgate keeps on one tor instance, and the attacher that sends each stream down the right one.
 * <ul>
 *   <li>Every isolation key (the SOCKS username the gateway dials the instance with: one per user and session, or
 *       per user and connection class, or per connection for {@code rotate-each}) has at most one circuit, and a
 *       circuit belongs to at most one key: two users or two sessions never share a circuit.</li>
 *   <li>A key keeps its circuit while the circuit lives and its exit is one the route still allows, with a policy
 *       accepting the port; otherwise it gets another one.</li>
 *   <li>A few built, unused circuits per exit group ("any", a country…) are kept warm ({@link #keepWarm}); a key
 *       without a circuit takes a warm one that fits before building, so a new session or country does not wait
 *       for a circuit build. Taken ones are replaced.</li>
 *   <li>Streams: one whose SOCKS username is a key with a circuit is attached to it; a key whose circuit is still
 *       being built waits for it; {@code .onion} destinations go back to tor (it builds rendezvous circuits
 *       itself); a user stream of no key torgate knows is closed — tor never picks a circuit for it.</li>
 * </ul>
 * CIRC events keep the books: a circuit that closes or fails leaves its key (which then gets a new circuit on its
 * next stream) or the warm pool. Thread-safe: one lock, held only for map updates, never across I/O.
 */
public final class InstanceCircuits implements ControlEventListener, StreamAttacher {

    private static final Logger log = LoggerFactory.getLogger(InstanceCircuits.class);

    private final TorControl control;
    private final CircuitBuilder builder;
    private final NetworkViewSource view;

    private final Object lock = new Object();
    /** key → its circuit (built, or being built). */
    private final Map<String, CompletableFuture<BuiltCircuit>> byKey = new HashMap<>();
    /** circuit id → the key it belongs to. */
    private final Map<String, String> keyOfCircuit = new HashMap<>();
    /** group → built, unused circuits. */
    private final Map<String, Deque<BuiltCircuit>> warm = new HashMap<>();
    /** group → what to keep warm. */
    private final Map<String, WarmTarget> targets = new HashMap<>();
    /** group → warm circuits being built now. */
    private final Map<String, Integer> warming = new HashMap<>();

    /** The instance's current view of the network (to re-check a kept circuit's exit policy). */
    @FunctionalInterface
    public interface NetworkViewSource {
        NetworkView current();
    }

    private record WarmTarget(Set<String> exits, int port, int count) {
    }

    public InstanceCircuits(TorControl control, CircuitBuilder builder, NetworkViewSource view) {
        this.control = Objects.requireNonNull(control, "control");
        this.builder = Objects.requireNonNull(builder, "builder");
        this.view = Objects.requireNonNull(view, "view");
    }

    /**
     * The circuit for {@code key} through one of {@code request}'s exits: its own while that fits, else a warm one
     * that does, else a new one.
     */
    public CompletableFuture<BuiltCircuit> circuitFor(String key, PathRequest request) {
        Objects.requireNonNull(key, "key");
        synchronized (lock) {
            CompletableFuture<BuiltCircuit> own = byKey.get(key);
            if (own != null && (!own.isDone() || fits(own.getNow(null), request))) {
                return own; // being built for this very key, or built and still right
            }
            if (own != null) {
                release(key, own.getNow(null)); // its exit is no longer allowed: a new circuit, the old one closed
            }
            Optional<BuiltCircuit> fromWarm = takeWarm(request);
            CompletableFuture<BuiltCircuit> next = fromWarm.map(CompletableFuture::completedFuture)
                    .orElseGet(() -> builder.build(request));
            byKey.put(key, next);
            next.whenComplete((c, error) -> {
                if (c == null) {
                    synchronized (lock) {
                        byKey.remove(key, next);
                    }
                    return;
                }
                synchronized (lock) {
                    if (byKey.get(key) == next) {
                        keyOfCircuit.put(c.id(), key);
                    } else {
                        control.closeCircuit(c.id()); // the key moved on while this was being built
                    }
                }
            });
            replenishLocked();
            return next;
        }
    }

    /** The key's circuit, if it has a built one. */
    public Optional<BuiltCircuit> circuitOf(String key) {
        synchronized (lock) {
            CompletableFuture<BuiltCircuit> f = byKey.get(key);
            return f == null ? Optional.empty() : Optional.ofNullable(f.getNow(null));
        }
    }

    /**
     * The key is done with its circuit (a session ended or rotated): the next {@link #circuitFor} gets another one.
     * Streams on the old circuit go on; tor closes it when they end.
     */
    public void retire(String key) {
        synchronized (lock) {
            CompletableFuture<BuiltCircuit> f = byKey.remove(key);
            if (f != null) {
                BuiltCircuit c = f.getNow(null);
                if (c != null) {
                    keyOfCircuit.remove(c.id());
                }
            }
        }
    }

    /** Keeps {@code count} built, unused circuits through {@code exits} (empty: any) towards {@code port}. */
    public void keepWarm(String group, Set<String> exits, int port, int count) {
        synchronized (lock) {
            if (count <= 0) {
                targets.remove(group);
            } else {
                targets.put(group, new WarmTarget(Set.copyOf(exits), port, count));
            }
            replenishLocked();
        }
    }

    /** Built, unused circuits of a group. */
    public int warmCount(String group) {
        synchronized (lock) {
            Deque<BuiltCircuit> d = warm.get(group);
            return d == null ? 0 : d.size();
        }
    }

    /** Keys with a circuit (built or being built). */
    public int keys() {
        synchronized (lock) {
            return byKey.size();
        }
    }

    @Override
    public CompletionStage<Decision> attach(StreamEvent stream) {
        if (stream.target().toLowerCase(java.util.Locale.ROOT).matches(".*\\.onion(:\\d+)?")) {
            return CompletableFuture.completedFuture(new HandBack());
        }
        String key = stream.socksUsername().orElse(null);
        CompletableFuture<BuiltCircuit> f;
        synchronized (lock) {
            f = key == null ? null : byKey.get(key);
        }
        if (f == null) {
            return CompletableFuture.completedFuture(new Close(StreamAttachment.END_MISC,
                    "no circuit for this stream's isolation key"));
        }
        return f.handle((c, error) -> c != null ? new Attach(c.id())
                : new Close(StreamAttachment.END_MISC, "its circuit could not be built: " + error.getMessage()));
    }

    @Override
    public void onCircuit(CircuitEvent e) {
        if (!e.isTerminal()) {
            return;
        }
        synchronized (lock) {
            String key = keyOfCircuit.remove(e.id());
            if (key != null) {
                CompletableFuture<BuiltCircuit> f = byKey.get(key);
                BuiltCircuit c = f == null ? null : f.getNow(null);
                if (c != null && c.id().equals(e.id())) {
                    byKey.remove(key); // its next stream gets a new circuit
                    log.debug("circuit {} of a key closed ({}); the key's next stream gets a new one", e.id(),
                            e.reason().orElse("no reason"));
                }
            }
            for (Deque<BuiltCircuit> d : warm.values()) {
                d.removeIf(c -> c.id().equals(e.id()));
            }
            replenishLocked();
        }
    }

    private boolean fits(BuiltCircuit c, PathRequest request) {
        if (c == null) {
            return false;
        }
        String exit = c.path().exit().fingerprint();
        if (!request.exits().isEmpty() && !request.exits().contains(exit) || request.avoidExits().contains(exit)) {
            return false;
        }
        return view.current().node(exit).map(n -> n.usable() && n.policy().accepts(request.port())).orElse(false);
    }

    private Optional<BuiltCircuit> takeWarm(PathRequest request) {
        for (Deque<BuiltCircuit> d : warm.values()) {
            for (Iterator<BuiltCircuit> it = d.iterator(); it.hasNext(); ) {
                BuiltCircuit c = it.next();
                if (fits(c, request)) {
                    it.remove();
                    return Optional.of(c);
                }
            }
        }
        return Optional.empty();
    }

    private void release(String key, BuiltCircuit c) {
        byKey.remove(key);
        if (c != null) {
            keyOfCircuit.remove(c.id());
            control.closeCircuit(c.id());
        }
    }

    /** Starts builds so every group has its count, counting those on the way. Under the lock. */
    private void replenishLocked() {
        for (Map.Entry<String, WarmTarget> t : targets.entrySet()) {
            String group = t.getKey();
            WarmTarget target = t.getValue();
            int have = warm.getOrDefault(group, new ArrayDeque<>()).size() + warming.getOrDefault(group, 0);
            for (int i = have; i < target.count(); i++) {
                warming.merge(group, 1, Integer::sum);
                builder.build(new PathRequest(target.exits(), target.port(), Set.of(), Set.of()))
                        .whenComplete((c, error) -> {
                            synchronized (lock) {
                                warming.merge(group, -1, Integer::sum);
                                if (c != null && targets.containsKey(group)) {
                                    warm.computeIfAbsent(group, g -> new ArrayDeque<>()).add(c);
                                } else if (c != null) {
                                    control.closeCircuit(c.id());
                                } else {
                                    log.debug("a warm circuit for {} could not be built: {}", group, error.getMessage());
                                }
                            }
                        });
            }
        }
    }
}
