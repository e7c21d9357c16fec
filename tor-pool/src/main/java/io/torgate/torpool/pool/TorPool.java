package io.torgate.torpool.pool;

import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.StateListener;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N supervised tor instances started and stopped together. Each instance supervises itself (restarts,
 * degradation); the pool only fans out start/stop and gives the router one place to look.
 * <p>
 * The pool can grow and shrink while it runs ({@link #add}, {@link #remove}); {@link PoolListener}s hear of
 * it, and state listeners added with {@link #addListener} are attached to instances added later too.
 */
public final class TorPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TorPool.class);

    /** Copy-on-write: routing reads it on every new tunnel, scaling changes it rarely. */
    private final List<TorInstance> instances;
    private final List<StateListener> stateListeners = new CopyOnWriteArrayList<>();
    private final List<PoolListener> poolListeners = new CopyOnWriteArrayList<>();
    /** Serialises membership changes with listener registration, so no instance misses a listener. */
    private final Object membership = new Object();

    private TorPool(List<TorInstance> instances) {
        this.instances = new CopyOnWriteArrayList<>(instances);
    }

    /** A pool of one instance per config; names must be unique (they name each instance's directory). */
    public static TorPool create(List<TorInstanceConfig> configs) {
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("a tor pool needs at least one instance");
        }
        Set<String> names = new HashSet<>();
        List<TorInstance> list = new ArrayList<>();
        for (TorInstanceConfig c : configs) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("two pool instances are named '" + c.name() + "'");
            }
            list.add(TorInstance.create(c));
        }
        return new TorPool(list);
    }

    /**
     * {@code size} configs named {@code prefix0 … prefixN-1} under one state dir, each passed through
     * {@code customize} (extra torrc lines, timeouts …).
     */
    public static List<TorInstanceConfig> configs(int size, String prefix, Path stateDir,
                                                  UnaryOperator<TorInstanceConfig.Builder> customize) {
        if (size < 1) {
            throw new IllegalArgumentException("pool size must be at least 1, got " + size);
        }
        List<TorInstanceConfig> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            out.add(customize.apply(TorInstanceConfig.builder(prefix + i, stateDir)).build());
        }
        return out;
    }

    /** The instances in the pool now (a snapshot). */
    public List<TorInstance> instances() {
        return List.copyOf(instances);
    }

    public Optional<TorInstance> instance(String name) {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** Instances that are READY right now. */
    public List<TorInstance> ready() {
        return instances.stream().filter(i -> i.state() == InstanceState.READY).toList();
    }

    /** Adds the listener to every instance, including those added later. */
    public void addListener(StateListener listener) {
        synchronized (membership) {
            stateListeners.add(listener);
            instances.forEach(i -> i.addListener(listener));
        }
    }

    public void addPoolListener(PoolListener listener) {
        poolListeners.add(listener);
    }

    /**
     * Adds a new, stopped instance to the pool (start it with {@link TorInstance#start()}); the pool's state
     * listeners are attached first, then pool listeners hear {@link PoolListener#instanceAdded}.
     *
     * @throws IllegalArgumentException when an instance of the pool already has that name
     */
    public TorInstance add(TorInstanceConfig config) {
        TorInstance added;
        synchronized (membership) {
            if (instance(config.name()).isPresent()) {
                throw new IllegalArgumentException("the pool already has an instance named '" + config.name() + "'");
            }
            added = TorInstance.create(config);
            stateListeners.forEach(added::addListener);
            instances.add(added);
        }
        log.info("tor pool: instance '{}' added ({} instances)", added.name(), instances.size());
        poolListeners.forEach(l -> notifyListener(l, "instanceAdded", () -> l.instanceAdded(added)));
        return added;
    }

    /**
     * Takes an instance out of the pool: it gets no new tunnels from then on, but keeps running and keeps its
     * listeners; the caller drains it and then stops and closes it ({@link #stop()} and {@link #close()} no
     * longer reach it).
     *
     * @return the removed instance, or empty when the pool has none of that name
     * @throws IllegalStateException when it is the pool's last instance
     */
    public Optional<TorInstance> remove(String name) {
        TorInstance removed;
        synchronized (membership) {
            Optional<TorInstance> found = instance(name);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            if (instances.size() == 1) {
                throw new IllegalStateException("'" + name + "' is the last instance of the pool; a pool needs one");
            }
            removed = found.get();
            instances.remove(removed);
        }
        log.info("tor pool: instance '{}' removed ({} instances left)", removed.name(), instances.size());
        poolListeners.forEach(l -> notifyListener(l, "instanceRemoved", () -> l.instanceRemoved(removed)));
        return Optional.of(removed);
    }

    private static void notifyListener(PoolListener listener, String hook, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("pool listener {}.{} failed", listener.getClass().getName(), hook, e);
        }
    }

    /**
     * Starts every instance at once. Completes when each has become READY or failed, with the READY ones;
     * fails only if none became READY (with the first failure as the cause). A failed instance stays FAILED
     * and is simply not routed to.
     */
    public CompletableFuture<List<TorInstance>> start() {
        List<TorInstance> instances = instances();
        List<CompletableFuture<Void>> starts = instances.stream().map(TorInstance::start).toList();
        return CompletableFuture.allOf(starts.stream()
                        .map(f -> f.handle((v, e) -> null))
                        .toArray(CompletableFuture[]::new))
                .thenApply(v -> {
                    List<TorInstance> ready = new ArrayList<>();
                    Throwable firstFailure = null;
                    for (int i = 0; i < instances.size(); i++) {
                        CompletableFuture<Void> f = starts.get(i);
                        if (!f.isCompletedExceptionally()) {
                            ready.add(instances.get(i));
                        } else if (firstFailure == null) {
                            firstFailure = f.handle((x, e) -> e).join();
                        }
                    }
                    if (ready.isEmpty()) {
                        throw new java.util.concurrent.CompletionException("no tor instance of the pool became ready",
                                firstFailure);
                    }
                    if (ready.size() < instances.size()) {
                        log.warn("tor pool: {} of {} instances ready", ready.size(), instances.size());
                    }
                    return List.copyOf(ready);
                });
    }

    /** Stops every instance (in parallel) and returns when all tor processes are gone. */
    public CompletableFuture<Void> stop() {
        return CompletableFuture.allOf(instances().stream().map(TorInstance::stop).toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        try {
            stop().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.warn("tor pool did not stop cleanly: {}", e.getCause().toString());
        }
        instances().forEach(TorInstance::close);
    }
}
