package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.pool.Plan.Go;
import io.torgate.torpool.pool.Plan.Wait;
import io.torgate.torpool.pool.RoutingState.Growth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance side of exit routing: which slot serves a profile, re-profiling idle instances (least recently
 * used first) over the control port, growing the pool, and reacting to a one-exit instance whose circuits keep
 * failing. Callers hold the state's lock; control-port work only starts here and completes later.
 */
final class InstancePlanner {

    private static final Logger log = LoggerFactory.getLogger(InstancePlanner.class);

    private final RoutingState state;

    InstancePlanner(RoutingState state) {
        this.state = state;
    }

    /**
     * The plan for a connection that needs {@code target}, in the order {@link ExitRouting} describes. {@code want}
     * is the set of acceptable exits (null: any exit is acceptable); {@code allowNarrower} lets a profile
     * inside {@code want} serve when none matches exactly.
     */
    Optional<Plan> planProfile(ExitProfile target, Set<String> want, Session requester, boolean allowNarrower,
                               ConnectRequest request) throws RoutingException {
        List<Slot> exact = new ArrayList<>();
        for (Slot slot : state.slots.values()) {
            if (slot.usable() && slot.profile.sameExits(target)) {
                exact.add(slot);
            }
        }
        if (!exact.isEmpty()) {
            return Optional.of(new Go(select(exact, request)));
        }
        for (Slot slot : state.slots.values()) {
            if (slot.applying != null && slot.target.sameExits(target)) {
                return Optional.of(new Wait(slot, slot.applying));
            }
        }
        for (Growth g : state.growths) {
            if (g.target().sameExits(target)) {
                return Optional.of(new Wait(null, g.ready()));
            }
        }
        Slot idle = lruIdle(requester);
        if (idle != null) {
            return Optional.of(new Wait(idle, configure(idle, target)));
        }
        if (allowNarrower) {
            List<Slot> narrower = new ArrayList<>();
            for (Slot slot : state.slots.values()) {
                if (slot.usable() && (want == null || slot.profile.within(want))) {
                    narrower.add(slot);
                }
            }
            if (!narrower.isEmpty()) {
                return Optional.of(new Go(select(narrower, request)));
            }
        }
        if (state.pool.canGrow()) {
            return Optional.of(new Wait(null, grow(target)));
        }
        return Optional.empty();
    }

    Slot select(List<Slot> candidates, ConnectRequest request) throws RoutingException {
        if (candidates.size() == 1 || request == null) {
            return candidates.stream().min(Comparator.comparingInt(s -> s.tunnels.size() + s.pending)).orElseThrow();
        }
        List<Candidate> offered = new ArrayList<>();
        for (Slot s : candidates) {
            offered.add(new Candidate(s.instance, s.tunnels.size()));
        }
        Candidate chosen = state.selector.select(request, offered);
        for (Slot s : candidates) {
            if (s.instance == chosen.instance()) {
                return s;
            }
        }
        throw new IllegalStateException("the instance selector chose " + chosen.name() + ", which was not offered");
    }

    /**
     * The least recently used instance nobody needs: READY, no live tunnel or route on its way (other than the
     * requester's own tunnels, which keep their circuits whatever the profile becomes), no live session bound
     * to it other than the requester.
     */
    Slot lruIdle(Session requester) {
        long now = state.nanoClock.getAsLong();
        Slot best = null;
        for (Slot slot : state.slots.values()) {
            if (idle(slot, requester, now) && (best == null || slot.lastUsedNanos - best.lastUsedNanos < 0)) {
                best = slot;
            }
        }
        return best;
    }

    private boolean idle(Slot slot, Session requester, long now) {
        if (!slot.usable() || slot.pending > 0) {
            return false;
        }
        for (Tunnel t : slot.tunnels) {
            if (requester == null || !requester.tunnels.contains(t)) {
                return false;
            }
        }
        for (Iterator<Session> it = slot.bound.iterator(); it.hasNext(); ) {
            Session b = it.next();
            if (b == requester) {
                continue;
            }
            if (!b.expired(now)) {
                return false;
            }
            it.remove(); // expired: it no longer holds the instance
            b.slot = null;
            state.sessions.remove(b.key, b);
        }
        return true;
    }

    /** Sets the slot's profile over the control port; the slot is unusable until that completes. */
    private CompletableFuture<Void> configure(Slot slot, ExitProfile target) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Optional<TorControl> control = slot.instance.control();
        if (control.isEmpty()) {
            done.completeExceptionally(new IllegalStateException("tor instance " + slot.name() + " has no control connection"));
            return done;
        }
        TorControl c = control.get();
        ExitProfile from = slot.profile;
        slot.target = target;
        slot.applying = done;
        long t0 = state.nanoClock.getAsLong();
        CompletableFuture<Void> sent = target.kind() == ExitProfile.Kind.ANY
                ? c.resetConf(target.torOptions().keySet())
                : c.setConf(target.torOptions());
        sent.whenCompleteAsync((v, e) -> {
            boolean applied;
            synchronized (state.lock) {
                slot.applying = null;
                slot.target = null;
                applied = e == null && slot.instance.control().orElse(null) == c;
                if (applied) {
                    slot.detachWatch();
                    slot.profile = target;
                    slot.appliedOn = c;
                    slot.generation++;
                    slot.lastUsedNanos = state.nanoClock.getAsLong();
                    // Also for a one-exit group (country-us with one US exit): a strict session pinned to that
                    // exit is served by it, and must hear when circuits to the exit keep failing.
                    if (target.singleExit().isPresent()) {
                        slot.watch = new PinnedExitWatch(target.singleExit().get(), watchCallback(slot));
                        c.addListener(slot.watch);
                    }
                }
            }
            long ms = (state.nanoClock.getAsLong() - t0) / 1_000_000;
            if (applied) {
                log.info("tor instance {} re-profiled from {} to {} in {} ms", slot.name(), from, target, ms);
                log.debug("tor instance {} runs with {}", slot.name(), target.torOptions());
                done.complete(null);
            } else {
                Throwable cause = e != null ? state.unwrap(e)
                        : new IllegalStateException("tor instance " + slot.name() + " restarted while being re-profiled");
                log.warn("tor instance {}: setting profile {} failed after {} ms: {}", slot.name(), target, ms, cause.getMessage());
                done.completeExceptionally(cause);
            }
        });
        return done;
    }

    /** Starts one more instance; the waiting request plans again once it is READY (and then profiles it). */
    private CompletableFuture<Void> grow(ExitProfile target) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Growth g = new Growth(target, ready);
        state.growths.add(g);
        long t0 = state.nanoClock.getAsLong();
        state.pool.addInstance().whenCompleteAsync((instance, e) -> {
            // Forget the growth before anyone waiting on it plans again, or they would wait on it again.
            synchronized (state.lock) {
                state.growths.remove(g);
                state.refreshSlots();
            }
            if (e == null) {
                log.info("tor pool grew by {} for {} in {} ms", instance.name(), target,
                        (state.nanoClock.getAsLong() - t0) / 1_000_000);
                ready.complete(null);
            } else {
                log.warn("tor pool could not grow for {}: {}", target, state.unwrap(e).getMessage());
                ready.completeExceptionally(state.unwrap(e));
            }
        });
        return ready;
    }

    private PinnedExitWatch.Callback watchCallback(Slot slot) {
        return new PinnedExitWatch.Callback() {
            @Override
            public void failing(PinnedExitWatch watch, String fingerprint, String reason) {
                pinnedExitFailing(slot, watch, fingerprint, reason);
            }

            @Override
            public void built(PinnedExitWatch watch, String fingerprint) {
                synchronized (state.lock) {
                    state.health.clear(fingerprint);
                }
            }
        };
    }

    /**
     * Circuits of a one-exit instance keep failing: the exit is marked unreachable (strict sessions on it fail
     * with 0x04, flexible ones move), and the instance goes back to any exit once nothing depends on it, so
     * its tor stops failing circuits (and is not restarted for it).
     */
    private void pinnedExitFailing(Slot slot, PinnedExitWatch watch, String fingerprint, String reason) {
        synchronized (state.lock) {
            if (slot.watch != watch) {
                return; // the profile changed meanwhile
            }
            long now = state.nanoClock.getAsLong();
            boolean fresh = state.health.unreachable(fingerprint, now).isEmpty();
            state.health.mark(fingerprint, reason, now);
            if (fresh) {
                log.warn("exit {} looks unreachable from {}: {}", state.label(fingerprint), slot.name(), reason);
            }
            for (Session s : List.copyOf(slot.bound)) {
                if (!fingerprint.equals(s.pin)) {
                    continue;
                }
                if (s.strict()) {
                    s.problem = state.unreachableDetail(fingerprint, reason) + "; strict session " + s.id
                            + " keeps its exit and fails rather than switch";
                }
                if (s.tunnels.isEmpty() && s.pending == 0) {
                    state.unbind(s); // nothing of it lives here: it no longer holds the instance
                }
            }
            if (idle(slot, null, now)) {
                configure(slot, ExitProfile.ANY);
            }
        }
    }
}
