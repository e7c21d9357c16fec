package io.torgate.torpool.pool;

import io.torgate.torpool.circuit.CircuitStack;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.control.TorControl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CircuitStack} on every instance of a pool that is in service: opened when an instance becomes READY on
 * a control connection it has not served yet (a first start, a restart), closed when the instance leaves service.
 * The instances must run with {@code __LeaveStreamsUnattached 1}: their streams wait for these stacks.
 */
public final class PoolCircuits implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PoolCircuits.class);

    private final CircuitStack.Settings settings;
    private final ScheduledExecutorService timer;
    private final Consumer<CircuitStack> opened;
    private final Map<String, CompletableFuture<CircuitStack>> stacks = new ConcurrentHashMap<>();

    public PoolCircuits(TorPool pool, CircuitStack.Settings settings) {
        this(pool, settings, stack -> { });
    }

    /** @param opened hears each stack once it is open (on the stack's opening thread; must be quick) */
    public PoolCircuits(TorPool pool, CircuitStack.Settings settings, Consumer<CircuitStack> opened) {
        this.settings = settings;
        this.opened = opened;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "torgate-circuits");
            t.setDaemon(true);
            return t;
        });
        pool.addListener((instance, from, to, reason) -> stateChanged(instance, to));
        for (TorInstance i : pool.instances()) {
            stateChanged(i, i.state());
        }
    }

    /** The instance's stack once it is open; empty while the instance is not in service or the stack opens. */
    public Optional<CircuitStack> stack(String instance) {
        CompletableFuture<CircuitStack> f = stacks.get(instance);
        return f == null ? Optional.empty() : Optional.ofNullable(f.getNow(null));
    }

    /** The stacks open now. */
    public List<CircuitStack> open() {
        List<CircuitStack> out = new ArrayList<>();
        for (CompletableFuture<CircuitStack> f : stacks.values()) {
            CircuitStack s = f.getNow(null);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** The instance's stack, when it is or will be open (for routes that arrive as the instance comes up). */
    public Optional<CompletableFuture<CircuitStack>> opening(String instance) {
        return Optional.ofNullable(stacks.get(instance));
    }

    private void stateChanged(TorInstance instance, InstanceState to) {
        boolean inService = to == InstanceState.READY || to == InstanceState.DEGRADED;
        Optional<TorControl> control = instance.control();
        if (inService && control.isPresent()) {
            CompletableFuture<CircuitStack> current = stacks.get(instance.name());
            CircuitStack open = current == null ? null : current.getNow(null);
            if (current != null && (open == null || open.control() == control.get())) {
                return; // already served (or opening) on this very connection
            }
            CompletableFuture<CircuitStack> next = CircuitStack.open(control.get(), settings, timer);
            CompletableFuture<CircuitStack> old = stacks.put(instance.name(), next);
            closeLater(old);
            next.whenComplete((s, e) -> {
                if (s != null) {
                    instance.controllerCircuits(s.builder()::launched);
                    try {
                        opened.accept(s);
                    } catch (RuntimeException ex) {
                        log.warn("circuit stack listener failed", ex);
                    }
                }
                if (e != null) {
                    log.warn("tor instance '{}': could not read its network to build circuits: {}", instance.name(),
                            e.getMessage());
                    stacks.remove(instance.name(), next);
                }
            });
        } else if (!inService) {
            closeLater(stacks.remove(instance.name()));
        }
    }

    private static void closeLater(CompletableFuture<CircuitStack> stack) {
        if (stack != null) {
            stack.thenAccept(CircuitStack::close);
        }
    }

    @Override
    public void close() {
        stacks.values().forEach(PoolCircuits::closeLater);
        stacks.clear();
        timer.shutdownNow();
    }
}
