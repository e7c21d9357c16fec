package io.torgate.torpool.pool;

import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.pool.RoutingState.Growth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The state exit routing shares among its parts: the pool's slots, the sessions, instances being added, exit
 * health, and the helpers every part needs. Everything here is guarded by {@link #lock}; methods expect the
 * caller to hold it unless they say otherwise.
 */
final class RoutingState {

    /** How often a request may wait and plan again before it is refused. */
    static final int MAX_ATTEMPTS = 4;
    private static final int SWEEP_EVERY = 256;

    record Growth(ExitProfile target, CompletableFuture<Void> ready) { }

    final Object lock = new Object();
    final TorPool pool;
    /** The node directory as routing reads it; null when the router runs without one. */
    final ExitCatalog catalog;
    final InstanceSelector selector;
    final LongSupplier nanoClock;
    final RandomGenerator random;
    final Map<String, Slot> slots = new LinkedHashMap<>();
    final Map<String, Session> sessions = new HashMap<>();
    final List<Growth> growths = new ArrayList<>();
    final ExitHealth health = new ExitHealth();
    private long operations;
    /** Connections tor carried through an exit outside their profile (rejected before the client was answered). */
    long wrongExits;

    RoutingState(TorPool pool, ExitCatalog catalog, InstanceSelector selector, LongSupplier nanoClock,
                 RandomGenerator random) {
        this.pool = pool;
        this.catalog = catalog;
        this.selector = selector;
        this.nanoClock = nanoClock;
        this.random = random;
    }

    /** Drops expired sessions now and then (every few hundred requests), not on a thread of its own. */
    void maybeSweep() {
        if (++operations % SWEEP_EVERY == 0) {
            sweep();
        }
    }

    void refreshSlots() {
        long now = nanoClock.getAsLong();
        List<TorInstance> members = pool.instances();
        Set<String> names = new HashSet<>();
        for (TorInstance i : members) {
            names.add(i.name());
            Slot slot = slots.get(i.name());
            if (slot == null || slot.instance != i) {
                slots.put(i.name(), new Slot(i, now));
            }
        }
        // An instance taken out of the pool is never routed to again, but its slot stays while its tunnels
        // drain, so liveTunnels() keeps counting them for whoever drains it.
        for (Slot slot : slots.values()) {
            slot.retired = !names.contains(slot.name());
        }
        slots.values().removeIf(slot -> slot.retired && slot.tunnels.isEmpty() && slot.pending == 0);
    }

    void bind(Session s, Slot slot) {
        if (s.slot != slot) {
            unbind(s);
            s.slot = slot;
            slot.bound.add(s);
        }
        s.slotGeneration = slot.generation;
    }

    void unbind(Session s) {
        if (s.slot != null) {
            s.slot.bound.remove(s);
            s.slot = null;
        }
    }

    void drop(Session s) {
        unbind(s);
        sessions.remove(s.key, s);
    }

    void sweep() {
        long now = nanoClock.getAsLong();
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (s.expired(now)) {
                unbind(s);
                it.remove();
            }
        }
    }

    /** Exits for a demand: none (no catalog) for ANY demands when the directory is still empty. */
    ExitCatalog catalogFor(ExitDemand demand) {
        if (catalog == null || (demand.isAny() && catalog.isEmpty())) {
            return null;
        }
        return catalog;
    }

    String label(String fingerprint) {
        return catalog == null ? "$" + fingerprint : catalog.label(fingerprint);
    }

    String unreachableDetail(String fingerprint, String reason) {
        return "exit " + label(fingerprint) + " is unreachable: " + reason;
    }

    /** Why an exit cannot be used now (not running per the directory, or its circuits fail); null if it can. */
    String whyExitGone(String fingerprint, ExitCatalog known) {
        if (known != null && !known.isRunning(fingerprint)) {
            return known.whyNotRunning(fingerprint);
        }
        return health.unreachable(fingerprint, nanoClock.getAsLong())
                .map(reason -> unreachableDetail(fingerprint, reason)).orElse(null);
    }

    /** The refusal when {@link #usableExits} is empty: 0x04, naming what was asked for and why it is missing. */
    RoutingException noUsableExit(ExitDemand demand, ExitCatalog known) {
        Set<String> running = known.running(demand);
        if (running.isEmpty()) {
            return known.noExitRunning(demand);
        }
        long now = nanoClock.getAsLong();
        List<String> reasons = new ArrayList<>();
        for (String fp : running) {
            health.unreachable(fp, now).ifPresent(r -> reasons.add(unreachableDetail(fp, r)));
        }
        return new RoutingException(SocksReply.HOST_UNREACHABLE, demand.exit().isPresent() ? "exit_unreachable" : "no_exit_running",
                demand.exit().isPresent() ? String.join("; ", reasons)
                        : "no exit " + demand.describe() + " is reachable: " + String.join("; ", reasons));
    }

    /** Running exits for a demand, without those whose circuits keep failing. */
    Set<String> usableExits(ExitDemand demand, ExitCatalog known) {
        Set<String> out = new TreeSet<>(known.running(demand));
        long now = nanoClock.getAsLong();
        out.removeIf(fp -> health.unreachable(fp, now).isPresent());
        return out;
    }

    RoutingException noneReady() {
        StringBuilder states = new StringBuilder();
        for (Slot s : slots.values()) {
            states.append(states.length() == 0 ? "" : ", ").append(s.name()).append(' ').append(s.instance.state());
        }
        return new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready", "no tor instance is ready (" + states + ")");
    }

    RoutingException noInstanceFree(ExitProfile target) {
        return new RoutingException(SocksReply.GENERAL_FAILURE, "no_instance_free",
                "no tor instance is free to serve " + target + ": all " + slots.size() + " instances (max "
                        + pool.maxSize() + ") serve other exits and are in use, or are not ready");
    }

    RoutingException problem(Session s, RoutingException e) {
        s.problem = e.detail();
        return e;
    }

    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    static ExitProfile targetFor(ExitDemand demand, Set<String> want) {
        if (demand.exit().isPresent()) {
            return ExitProfile.one(demand.exit().get());
        }
        return demand.isAny() ? ExitProfile.ANY : ExitProfile.group(demand.label(), want);
    }

    RoutingException notPrepared(Slot slot, Throwable cause) {
        return new RoutingException(SocksReply.GENERAL_FAILURE, "instance_not_prepared",
                "no tor instance could be prepared for this request" + (slot == null ? "" : " (last tried " + slot.name() + ")")
                        + (cause == null ? "" : ": " + cause.getMessage()));
    }
}
