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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    /**
     * key → what it last asked for, so a stream whose circuit died between routing and its arrival (or under it:
     * DETACHED) gets a new circuit for the same request instead of being closed.
     */
    private final Map<String, PathRequest> requests = new HashMap<>();
    /** circuit id → the key it belongs to. */
    private final Map<String, String> keyOfCircuit = new HashMap<>();
    /** group → built, unused circuits. */
    private final Map<String, Deque<BuiltCircuit>> warm = new HashMap<>();
    /** group → what to keep warm. */
    private final Map<String, WarmTarget> targets = new HashMap<>();
    /** group → warm circuits being built now. */
    private final Map<String, Integer> warming = new HashMap<>();
    /**
     * group → its warm builds failing in a row, and until when (System.nanoTime()) none is started: without this,
     * a group whose exits went down rebuilds at once on every failure, a storm of EXTENDCIRCUIT.
     */
    private final Map<String, long[]> warmBackoff = new HashMap<>();
    private final ScheduledExecutorService timer;
    private boolean closed;
    static final long WARM_BACKOFF_FIRST_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long WARM_BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Hears that a key's circuit could not be built (whoever asked: the router, or a stream that lost its circuit). */
    @FunctionalInterface
    public interface KeyListener {
        void circuitFailed(String key, PathRequest request, Throwable error);
    }

    private volatile KeyListener keyListener = (key, request, error) -> { };

    /** The instance's current view of the network (to re-check a kept circuit's exit policy). */
    @FunctionalInterface
    public interface NetworkViewSource {
        NetworkView current();
    }

    private record WarmTarget(Set<String> exits, int port, int count) {
    }

    public InstanceCircuits(TorControl control, CircuitBuilder builder, NetworkViewSource view) {
        this(control, builder, view, null);
    }

    /**
     * @param timer retries warm builds of a group whose builds fail, after a back-off (1 s, doubling to 60 s); null:
     *              such a group is retried only when something else happens (a key takes a circuit, a CIRC event)
     */
    public InstanceCircuits(TorControl control, CircuitBuilder builder, NetworkViewSource view,
                            ScheduledExecutorService timer) {
        this.timer = timer;
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
            requests.put(key, request);
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
                    try {
                        keyListener.circuitFailed(key, request, error instanceof java.util.concurrent.CompletionException
                                && error.getCause() != null ? error.getCause() : error);
                    } catch (RuntimeException e) {
                        log.warn("circuit failure listener failed", e);
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

    public void onKeyCircuitFailed(KeyListener listener) {
        this.keyListener = Objects.requireNonNull(listener, "listener");
    }

    /** The key's circuit, if it has a built one. */
    public Optional<BuiltCircuit> circuitOf(String key) {
        synchronized (lock) {
            CompletableFuture<BuiltCircuit> f = byKey.get(key);
            return f == null ? Optional.empty() : Optional.ofNullable(f.getNow(null));
        }
    }

    /**
     * The key is done with its circuit (a session ended or rotated, a one-connection key's tunnel closed): the next
     * {@link #circuitFor} gets another one. With {@code close}, the circuit is closed now (its streams with it);
     * otherwise streams on it go on, and tor closes it once it is dirty and idle (MaxCircuitDirtiness).
     */
    public void retire(String key, boolean close) {
        synchronized (lock) {
            requests.remove(key);
            CompletableFuture<BuiltCircuit> f = byKey.remove(key);
            if (f != null) {
                BuiltCircuit c = f.getNow(null);
                if (c != null) {
                    keyOfCircuit.remove(c.id());
                    if (close) {
                        control.closeCircuit(c.id());
                    }
                } else if (close) {
                    f.thenAccept(built -> control.closeCircuit(built.id())); // its build completes unclaimed
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

    /** Circuits by state: owned by a key and built, being built (for a key or to keep warm), warm. */
    public record Counts(int inUse, int building, int warm) {
    }

    public Counts counts() {
        synchronized (lock) {
            int built = 0;
            int building = 0;
            for (CompletableFuture<BuiltCircuit> f : byKey.values()) {
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    built++;
                } else if (!f.isDone()) {
                    building++;
                }
            }
            for (int n : warming.values()) {
                building += n;
            }
            int warmNow = 0;
            for (Deque<BuiltCircuit> d : warm.values()) {
                warmNow += d.size();
            }
            return new Counts(built, building, warmNow);
        }
    }

    /** Built, unused circuits per group right now. */
    public Map<String, Integer> warmByGroup() {
        synchronized (lock) {
            Map<String, Integer> out = new HashMap<>();
            targets.keySet().forEach(g -> out.put(g, warm.getOrDefault(g, new ArrayDeque<>()).size()));
            return out;
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
        PathRequest again;
        synchronized (lock) {
            f = key == null ? null : byKey.get(key);
            BuiltCircuit left = f == null ? null : f.getNow(null);
            if (stream.status() == StreamEvent.Status.DETACHED && left != null && left.id().equals(stream.circuitId())) {
                // DETACHED can come before its circuit's CLOSED: never hand the stream back to the circuit it left.
                // That circuit is not closed here: the key's other streams on it (a timeout detaches one stream, not
                // the circuit) go on, and tor closes it once it is dirty and idle.
                byKey.remove(key);
                keyOfCircuit.remove(left.id());
                f = null;
            }
            again = f != null || key == null ? null : requests.get(key);
        }
        if (again != null) {
            // Its circuit closed after the route was chosen (or under it: DETACHED): a new one for the same request.
            f = circuitFor(key, again);
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

    /** Keys that asked for a circuit and were not retired (the router's bookkeeping must keep this bounded). */
    public int knownKeys() {
        synchronized (lock) {
            return requests.size();
        }
    }

    private void release(String key, BuiltCircuit c) {
        byKey.remove(key);
        if (c != null) {
            keyOfCircuit.remove(c.id());
            control.closeCircuit(c.id());
        }
    }

    /** A warm build of the group failed: the next waits 1 s, doubling to 60 s, until one builds. Under the lock. */
    private void backOff(String group, Throwable error) {
        long[] b = warmBackoff.computeIfAbsent(group, g -> new long[2]);
        long wait = b[0] == 0 ? WARM_BACKOFF_FIRST_NANOS : Math.min(WARM_BACKOFF_MAX_NANOS, b[0] * 2);
        boolean scheduled = b[1] - System.nanoTime() > 0;
        b[0] = wait;
        b[1] = System.nanoTime() + wait;
        log.debug("a warm circuit for {} could not be built ({}); next try in {} ms", group, error.getMessage(),
                TimeUnit.NANOSECONDS.toMillis(wait));
        if (timer != null && !scheduled) {
            try {
                timer.schedule(() -> {
                    synchronized (lock) {
                        replenishLocked();
                    }
                }, wait, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // the stack closed: nothing to keep warm
            }
        }
    }

    /** The instance left service: keep nothing warm any more (its tor and circuits are gone or going). */
    public void close() {
        synchronized (lock) {
            closed = true;
            targets.clear();
        }
    }

    /** Starts builds so every group has its count, counting those on the way. Under the lock. */
    private void replenishLocked() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        for (Map.Entry<String, WarmTarget> t : targets.entrySet()) {
            String group = t.getKey();
            WarmTarget target = t.getValue();
            long[] backoff = warmBackoff.get(group);
            if (backoff != null && backoff[1] - now > 0) {
                continue; // its builds keep failing: wait (a retry is scheduled)
            }
            int have = warm.getOrDefault(group, new ArrayDeque<>()).size() + warming.getOrDefault(group, 0);
            for (int i = have; i < target.count(); i++) {
                warming.merge(group, 1, Integer::sum);
                builder.build(new PathRequest(target.exits(), target.port(), Set.of(), Set.of()))
                        .whenComplete((c, error) -> {
                            synchronized (lock) {
                                warming.merge(group, -1, Integer::sum);
                                if (c != null) {
                                    warmBackoff.remove(group);
                                }
                                if (c != null && targets.containsKey(group)) {
                                    warm.computeIfAbsent(group, g -> new ArrayDeque<>()).add(c);
                                } else if (c != null) {
                                    control.closeCircuit(c.id());
                                } else {
                                    backOff(group, error);
                                }
                            }
                        });
            }
        }
    }
}
