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
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised tor instances started and stopped together. Each instance supervises itself (restarts,
 * degradation); the pool only fans out start/stop, gives the router one place to look and, when created with
 * room to grow, starts more instances on demand ({@link #addInstance()}) up to {@link #maxSize()}. Instances
 * are not removed by the pool itself (the router re-profiles idle ones instead), but an operator may take one
 * out ({@link #remove}) and add one with a config of their own ({@link #add}); {@link PoolListener}s hear of
 * every instance that joins or leaves.
 */
public final class TorPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TorPool.class);

    private final List<TorInstance> instances;
    private final int maxSize;
    private final IntFunction<TorInstanceConfig> configForIndex;
    private final List<StateListener> listeners = new CopyOnWriteArrayList<>();
    private final List<PoolListener> poolListeners = new CopyOnWriteArrayList<>();
    /** Names of removed instances whose tor may still run: not reused (they name a data directory). Guarded by this. */
    private final Set<String> leaving = new HashSet<>();
    private boolean closed; // guarded by this

    private TorPool(List<TorInstance> instances, int maxSize, IntFunction<TorInstanceConfig> configForIndex) {
        this.instances = new CopyOnWriteArrayList<>(instances);
        this.maxSize = maxSize;
        this.configForIndex = configForIndex;
    }

    /**
     * A fixed pool of one instance per config; names must be unique (they name each instance's directory).
     */
    public static TorPool create(List<TorInstanceConfig> configs) {
        return new TorPool(createAll(configs), configs.size(), null);
    }

    /**
     * A pool that starts with {@code configs} and may grow to {@code maxSize} instances; the k-th instance
     * (counting from 0, so the first added one is {@code configs.size()}) is made from
     * {@code configForIndex.apply(k)}.
     */
    public static TorPool create(List<TorInstanceConfig> configs, int maxSize, IntFunction<TorInstanceConfig> configForIndex) {
        if (maxSize < configs.size()) {
            throw new IllegalArgumentException("pool max size " + maxSize + " is below its initial size " + configs.size());
        }
        java.util.Objects.requireNonNull(configForIndex, "configForIndex");
        return new TorPool(createAll(configs), maxSize, configForIndex);
    }

    /**
     * {@code size} instances named {@code prefix0 …}, growing up to {@code maxSize} with more of the same kind
     * ({@link #configs} for the naming and {@code customize}).
     */
    public static TorPool growing(int size, int maxSize, String prefix, Path stateDir,
                                  UnaryOperator<TorInstanceConfig.Builder> customize) {
        return create(configs(size, prefix, stateDir, customize), maxSize,
                k -> customize.apply(TorInstanceConfig.builder(prefix + k, stateDir)).build());
    }

    private static List<TorInstance> createAll(List<TorInstanceConfig> configs) {
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
        return list;
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

    /** The instances right now, in the order they joined. */
    public List<TorInstance> instances() {
        return List.copyOf(instances);
    }

    /** How many instances the pool may hold; equal to the initial size for a fixed pool. */
    public int maxSize() {
        return maxSize;
    }

    /** Whether {@link #addInstance()} may add one more instance now. */
    public synchronized boolean canGrow() {
        return !closed && configForIndex != null && instances.size() < maxSize;
    }

    /**
     * Adds one instance and starts it. Completes with it once it is READY. Fails at once with an
     * {@link IllegalStateException} when the pool is at its max size (or fixed, or closed); fails later if
     * the new tor does not become READY, in which case it is stopped and taken out of the pool again so the
     * slot can be retried.
     */
    public CompletableFuture<TorInstance> addInstance() {
        TorInstance added;
        synchronized (this) {
            if (!canGrow()) {
                return CompletableFuture.failedFuture(new IllegalStateException(closed ? "the tor pool is closed"
                        : "the tor pool is at its max size of " + maxSize + " instances"));
            }
            TorInstanceConfig config = configForIndex.apply(instances.size());
            // After removals the next index may name an instance still in the pool or still stopping.
            for (int k = instances.size() + 1; nameTaken(config.name()) && k <= maxSize + leaving.size() + instances.size(); k++) {
                config = configForIndex.apply(k);
            }
            if (nameTaken(config.name())) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "a pool instance named '" + config.name() + "' exists already"));
            }
            added = TorInstance.create(config);
            listeners.forEach(added::addListener);
            instances.add(added);
        }
        log.info("tor pool grows: starting instance '{}' ({} of at most {})", added.name(), instances.size(), maxSize);
        notifyAdded(added);
        return added.start().handle((v, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(added);
            }
            if (instances.remove(added)) {
                notifyRemoved(added);
            }
            return added.stop().<TorInstance>thenCompose(x -> {
                added.close();
                return CompletableFuture.failedFuture(e);
            });
        }).thenCompose(f -> f);
    }

    private boolean nameTaken(String name) {
        return instance(name).isPresent() || leaving.contains(name);
    }

    public void addPoolListener(PoolListener listener) {
        poolListeners.add(listener);
    }

    /**
     * Adds a new, stopped instance with this config (start it with {@link TorInstance#start()}), whatever the
     * pool's max size: an operator's explicit choice. State listeners of the pool are attached first, then pool
     * listeners hear {@link PoolListener#instanceAdded}.
     *
     * @throws IllegalArgumentException when an instance of the pool, or a removed one still stopping, has that name
     * @throws IllegalStateException    when the pool is closed
     */
    public TorInstance add(TorInstanceConfig config) {
        TorInstance added;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the tor pool is closed");
            }
            if (nameTaken(config.name())) {
                throw new IllegalArgumentException("the pool already has an instance named '" + config.name() + "'");
            }
            added = TorInstance.create(config);
            listeners.forEach(added::addListener);
            instances.add(added);
        }
        log.info("tor pool: instance '{}' added ({} instances)", added.name(), instances.size());
        notifyAdded(added);
        return added;
    }

    /**
     * Takes an instance out of the pool: the router gives it no new tunnels from then on, but it keeps running
     * and keeps its listeners; the caller drains it, then stops and closes it ({@link #stop()} and
     * {@link #close()} no longer reach it). Its name is not reused until its tor has stopped.
     *
     * @return the removed instance, or empty when the pool has none of that name
     * @throws IllegalStateException when it is the pool's last instance
     */
    public Optional<TorInstance> remove(String name) {
        TorInstance removed;
        synchronized (this) {
            Optional<TorInstance> found = instance(name);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            if (instances.size() == 1) {
                throw new IllegalStateException("'" + name + "' is the last instance of the pool; a pool needs one");
            }
            removed = found.get();
            instances.remove(removed);
            if (removed.state().isRunning() || removed.state() == InstanceState.RESTARTING) {
                leaving.add(name);
                removed.addListener((instance, from, to, reason) -> {
                    if (to == InstanceState.STOPPED || to == InstanceState.FAILED) {
                        synchronized (TorPool.this) {
                            leaving.remove(name);
                        }
                    }
                });
            }
        }
        log.info("tor pool: instance '{}' removed ({} instances left)", removed.name(), instances.size());
        notifyRemoved(removed);
        return Optional.of(removed);
    }

    private void notifyAdded(TorInstance instance) {
        for (PoolListener l : poolListeners) {
            try {
                l.instanceAdded(instance);
            } catch (RuntimeException e) {
                log.warn("pool listener {} failed on instanceAdded", l.getClass().getName(), e);
            }
        }
    }

    private void notifyRemoved(TorInstance instance) {
        for (PoolListener l : poolListeners) {
            try {
                l.instanceRemoved(instance);
            } catch (RuntimeException e) {
                log.warn("pool listener {} failed on instanceRemoved", l.getClass().getName(), e);
            }
        }
    }

    public Optional<TorInstance> instance(String name) {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** Instances that are READY right now. */
    public List<TorInstance> ready() {
        return instances.stream().filter(i -> i.state() == InstanceState.READY).toList();
    }

    /** Adds the listener to every instance, including ones added later. */
    public void addListener(StateListener listener) {
        synchronized (this) {
            listeners.add(listener);
        }
        instances.forEach(i -> i.addListener(listener));
    }

    /**
     * Starts every instance at once. Completes when each has become READY or failed, with the READY ones;
     * fails only if none became READY (with the first failure as the cause). A failed instance stays FAILED
     * and is simply not routed to.
     */
    public CompletableFuture<List<TorInstance>> start() {
        List<TorInstance> members = List.copyOf(instances);
        List<CompletableFuture<Void>> starts = members.stream().map(TorInstance::start).toList();
        return CompletableFuture.allOf(starts.stream()
                        .map(f -> f.handle((v, e) -> null))
                        .toArray(CompletableFuture[]::new))
                .thenApply(v -> {
                    List<TorInstance> ready = new ArrayList<>();
                    Throwable firstFailure = null;
                    for (int i = 0; i < members.size(); i++) {
                        CompletableFuture<Void> f = starts.get(i);
                        if (!f.isCompletedExceptionally()) {
                            ready.add(members.get(i));
                        } else if (firstFailure == null) {
                            firstFailure = f.handle((x, e) -> e).join();
                        }
                    }
                    if (ready.isEmpty()) {
                        throw new java.util.concurrent.CompletionException("no tor instance of the pool became ready",
                                firstFailure);
                    }
                    if (ready.size() < members.size()) {
                        log.warn("tor pool: {} of {} instances ready", ready.size(), members.size());
                    }
                    return List.copyOf(ready);
                });
    }

    /** Stops every instance (in parallel) and returns when all tor processes are gone. */
    public CompletableFuture<Void> stop() {
        return CompletableFuture.allOf(instances.stream().map(TorInstance::stop).toArray(CompletableFuture[]::new));
    }

    /** Stops every instance and forbids growth; blocks until the tor processes are gone. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        try {
            stop().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.warn("tor pool did not stop cleanly: {}", e.getCause().toString());
        }
        instances.forEach(TorInstance::close);
    }
}
