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
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N supervised tor instances started and stopped together. Each instance supervises itself (restarts,
 * degradation); the pool only fans out start/stop and gives the router one place to look.
 */
public final class TorPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TorPool.class);

    private final List<TorInstance> instances;

    private TorPool(List<TorInstance> instances) {
        this.instances = List.copyOf(instances);
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

    public List<TorInstance> instances() {
        return instances;
    }

    public Optional<TorInstance> instance(String name) {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    /** Instances that are READY right now. */
    public List<TorInstance> ready() {
        return instances.stream().filter(i -> i.state() == InstanceState.READY).toList();
    }

    /** Adds the listener to every instance. */
    public void addListener(StateListener listener) {
        instances.forEach(i -> i.addListener(listener));
    }

    /**
     * Starts every instance at once. Completes when each has become READY or failed, with the READY ones;
     * fails only if none became READY (with the first failure as the cause). A failed instance stays FAILED
     * and is simply not routed to.
     */
    public CompletableFuture<List<TorInstance>> start() {
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
        return CompletableFuture.allOf(instances.stream().map(TorInstance::stop).toArray(CompletableFuture[]::new));
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
        instances.forEach(TorInstance::close);
    }
}
