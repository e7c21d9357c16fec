package io.torgate.control.api;

import io.torgate.torpool.control.ControlConnectionLostException;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operates a running tor pool for the API: scale to N or add k instances, drain one (out of the pool at once,
 * so it gets no new tunnels; stopped when its live tunnels have ended or the grace has passed), NEWNYM,
 * restart. Membership changes are serialised; nothing here waits for tor, except {@link #newnym} which waits
 * for tor to accept the signal (bounded).
 */
public final class PoolAdmin implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PoolAdmin.class);
    private static final Duration DRAIN_POLL = Duration.ofMillis(200);
    /** Tor acts on at most one NEWNYM per 10 s; a request waits at most this for its signal. */
    private static final Duration NEWNYM_WAIT = Duration.ofSeconds(15);

    private final TorPool pool;
    private final TorPoolRouter router;
    private final Function<String, TorInstanceConfig> configFor;
    private final String namePrefix;
    private final int maxInstances;
    private final Duration defaultGrace;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "torgate-pool-admin");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Draining> draining = new LinkedHashMap<>();
    private final Set<String> restarting = new HashSet<>();
    private boolean closed;

    /** An instance out of the pool, waiting for its tunnels to end. */
    private static final class Draining {
        final TorInstance instance;
        final Instant deadline;
        ScheduledFuture<?> poll;
        boolean stopping;

        Draining(TorInstance instance, Instant deadline) {
            this.instance = instance;
            this.deadline = deadline;
        }
    }

    /**
     * @param configFor    the config of a new instance, given its name (same torrc and timeouts as the others)
     * @param namePrefix   new instances are named prefix + the lowest free number
     * @param maxInstances the largest pool the API may ask for
     * @param defaultGrace how long a drain waits for live tunnels when the request names no grace
     */
    public PoolAdmin(TorPool pool, TorPoolRouter router, Function<String, TorInstanceConfig> configFor, String namePrefix,
                     int maxInstances, Duration defaultGrace) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.router = Objects.requireNonNull(router, "router");
        this.configFor = Objects.requireNonNull(configFor, "configFor");
        this.namePrefix = Objects.requireNonNull(namePrefix, "namePrefix");
        if (maxInstances < 1) {
            throw new IllegalArgumentException("maxInstances must be at least 1, got " + maxInstances);
        }
        this.maxInstances = maxInstances;
        this.defaultGrace = Objects.requireNonNull(defaultGrace, "defaultGrace");
    }

    public TorPool pool() {
        return pool;
    }

    public int maxInstances() {
        return maxInstances;
    }

    public Duration defaultGrace() {
        return defaultGrace;
    }

    /** The router whose circuits and sessions this pool carries (for metrics). */
    public TorPoolRouter router() {
        return router;
    }

    public int liveTunnels(String instance) {
        return router.liveTunnels(instance);
    }

    /** Instances out of the pool still draining or stopping. */
    public synchronized int drainingCount() {
        return draining.size();
    }

    /** Names of draining instances, oldest first. */
    public synchronized List<TorInstance> drainingInstances() {
        return draining.values().stream().map(d -> d.instance).toList();
    }

    public synchronized boolean isDraining(String name) {
        return draining.containsKey(name);
    }

    /** What a scaling request did. */
    public record ScaleResult(List<String> added, List<String> draining, int size) { }

    /** Adds or drains instances so the pool has {@code count} (draining ones do not count). */
    public synchronized ScaleResult scaleTo(int count, Duration grace) {
        checkOpen();
        checkSize("count", count);
        List<TorInstance> now = pool.instances();
        if (count > now.size()) {
            return new ScaleResult(addInstances(count - now.size()), List.of(), count);
        }
        List<String> drained = new ArrayList<>();
        for (TorInstance victim : victims(now, now.size() - count)) {
            startDrain(victim, grace);
            drained.add(victim.name());
        }
        return new ScaleResult(List.of(), drained, pool.instances().size());
    }

    /** Adds {@code k} instances. */
    public synchronized ScaleResult add(int k) {
        checkOpen();
        if (k < 1) {
            throw ApiException.badRequest("bad_value", "'add' must be at least 1, got " + k);
        }
        int size = pool.instances().size();
        if ((long) size + k > maxInstances) {
            throw ApiException.badRequest("bad_value", "'add' " + k + " would make " + (size + k)
                    + " instances, above the limit of " + maxInstances);
        }
        return new ScaleResult(addInstances(k), List.of(), size + k);
    }

    private void checkSize(String field, int count) {
        if (count < 1) {
            throw ApiException.badRequest("bad_value", "'" + field + "' must be at least 1 (a pool needs an instance), got "
                    + count);
        }
        if (count > maxInstances) {
            throw ApiException.badRequest("bad_value", "'" + field + "' " + count + " is above the limit of "
                    + maxInstances + " instances");
        }
    }

    private List<String> addInstances(int k) {
        List<String> names = new ArrayList<>();
        for (int n = 0; n < k; n++) {
            TorInstance added = pool.add(configFor.apply(nextName()));
            names.add(added.name());
            added.start().whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("added tor instance '{}' did not start: {}", added.name(), rootMessage(e));
                } else {
                    log.info("added tor instance '{}' is ready", added.name());
                }
            });
        }
        return names;
    }

    /** The lowest prefix+N not used by an instance in the pool or one still draining (its data directory). */
    private String nextName() {
        Set<String> taken = new HashSet<>(draining.keySet());
        pool.instances().forEach(i -> taken.add(i.name()));
        for (int i = 0; ; i++) {
            if (!taken.contains(namePrefix + i)) {
                return namePrefix + i;
            }
        }
    }

    /** Instances to remove first: not serving, then fewest live tunnels, then the newest. */
    private List<TorInstance> victims(List<TorInstance> instances, int n) {
        List<TorInstance> order = new ArrayList<>(instances);
        Map<TorInstance, Integer> position = new java.util.IdentityHashMap<>();
        for (int i = 0; i < instances.size(); i++) {
            position.put(instances.get(i), i);
        }
        order.sort(Comparator.<TorInstance>comparingInt(i -> serving(i.state()) ? 1 : 0)
                .thenComparingInt(i -> router.liveTunnels(i.name()))
                .thenComparing(i -> -position.get(i)));
        return order.subList(0, n);
    }

    private static boolean serving(InstanceState s) {
        return s == InstanceState.READY || s == InstanceState.DEGRADED;
    }

    /** What a drain request started. */
    public record DrainStarted(String instance, int liveTunnels, double graceSeconds) { }

    /** Takes the instance out of the pool and stops it once drained (or after the grace). */
    public synchronized DrainStarted drain(String name, Duration grace) {
        checkOpen();
        if (draining.containsKey(name)) {
            throw ApiException.conflict("already_draining", "instance '" + name + "' is already draining");
        }
        TorInstance instance = pool.instance(name).orElseThrow(() -> unknown(name));
        if (pool.instances().size() == 1) {
            throw ApiException.conflict("last_instance", "'" + name
                    + "' is the pool's last instance; a pool needs one (add another first)");
        }
        startDrain(instance, grace);
        return new DrainStarted(name, router.liveTunnels(name), Durations.seconds(grace));
    }

    private void startDrain(TorInstance instance, Duration grace) {
        pool.remove(instance.name());
        Draining d = new Draining(instance, Instant.now().plus(grace));
        draining.put(instance.name(), d);
        log.info("draining tor instance '{}': {} live tunnel(s), grace {} s", instance.name(),
                router.liveTunnels(instance.name()), grace.toSeconds());
        d.poll = scheduler.scheduleWithFixedDelay(() -> checkDrained(d), 0, DRAIN_POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void checkDrained(Draining d) {
        if (d.stopping) {
            return;
        }
        int live = router.liveTunnels(d.instance.name());
        boolean expired = Instant.now().isAfter(d.deadline);
        if (live > 0 && !expired) {
            return;
        }
        d.stopping = true;
        d.poll.cancel(false);
        if (live > 0) {
            log.info("tor instance '{}': grace over, closing its {} remaining tunnel(s)", d.instance.name(), live);
        }
        // Stopping closes the tunnels it still carries (the router watches the state).
        d.instance.stop().whenCompleteAsync((v, e) -> {
            d.instance.close();
            synchronized (PoolAdmin.this) {
                draining.remove(d.instance.name(), d);
            }
            log.info("tor instance '{}' drained and stopped", d.instance.name());
        }, scheduler);
    }

    /** Sends a NEWNYM to the instance's tor; completes with when tor accepted it (bounded wait). */
    public Instant newnym(String name) throws InterruptedException {
        TorInstance instance;
        synchronized (this) {
            if (draining.containsKey(name)) {
                throw ApiException.conflict("draining", "instance '" + name + "' is draining");
            }
            instance = pool.instance(name).orElseThrow(() -> unknown(name));
        }
        try {
            return instance.newnym().get(NEWNYM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ControlConnectionLostException) {
                throw ApiException.conflict("not_running", "instance '" + name + "' has no tor running ("
                        + instance.state() + "); NEWNYM needs a running tor");
            }
            throw ApiException.conflict("newnym_failed", "tor refused the NEWNYM: " + rootMessage(e));
        } catch (TimeoutException e) {
            throw new ApiException(504, "timeout", "tor did not accept the NEWNYM within " + NEWNYM_WAIT.toSeconds() + " s");
        }
    }

    /** Stops and starts the instance's tor (its tunnels close); returns at once. */
    public synchronized void restart(String name) {
        checkOpen();
        if (draining.containsKey(name)) {
            throw ApiException.conflict("draining", "instance '" + name + "' is draining; it will stop, not restart");
        }
        TorInstance instance = pool.instance(name).orElseThrow(() -> unknown(name));
        if (!restarting.add(name)) {
            throw ApiException.conflict("already_restarting", "instance '" + name + "' is already restarting");
        }
        log.info("restarting tor instance '{}' on request", name);
        instance.stop()
                .thenCompose(v -> instance.start())
                .whenComplete((v, e) -> {
                    synchronized (PoolAdmin.this) {
                        restarting.remove(name);
                    }
                    if (e != null) {
                        log.warn("tor instance '{}' did not come back after the restart: {}", name, rootMessage(e));
                    }
                });
    }

    public synchronized boolean isRestarting(String name) {
        return restarting.contains(name);
    }

    private static ApiException unknown(String name) {
        return ApiException.notFound("no tor instance '" + name + "' in the pool");
    }

    private void checkOpen() {
        if (closed) {
            throw new ApiException(503, "unavailable", "torgate is shutting down");
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /** Stops draining instances at once (torgate is stopping) and ends the admin thread. */
    @Override
    public void close() {
        List<Draining> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(draining.values());
            draining.clear();
        }
        for (Draining d : left) {
            if (d.poll != null) {
                d.poll.cancel(false);
            }
        }
        CompletableFuture.allOf(left.stream().map(d -> d.instance.stop()).toArray(CompletableFuture[]::new))
                .orTimeout(60, TimeUnit.SECONDS).exceptionally(e -> null).join();
        left.forEach(d -> d.instance.close());
        scheduler.shutdownNow();
    }
}
