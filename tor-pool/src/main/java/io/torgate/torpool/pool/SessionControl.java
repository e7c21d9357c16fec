package io.torgate.torpool.pool;

import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.pool.Plan.Go;
import io.torgate.torpool.pool.Plan.Wait;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import io.torgate.torpool.session.SessionNotFoundException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations on sessions from outside the data path: list, get, remove and rotate. Takes the state's lock
 * itself; a rotation completes once an instance is ready for the new exit.
 */
final class SessionControl {

    private static final Logger log = LoggerFactory.getLogger(SessionControl.class);

    private final RoutingState state;
    private final InstancePlanner instances;
    private final SessionPlanner sessionPlanner;

    SessionControl(RoutingState state, InstancePlanner instances, SessionPlanner sessionPlanner) {
        this.state = state;
        this.instances = instances;
        this.sessionPlanner = sessionPlanner;
    }

    List<SessionInfo> list() {
        synchronized (state.lock) {
            state.sweep();
            return state.sessions.values().stream().map(Session::snapshot)
                    .sorted(Comparator.comparing(SessionInfo::user).thenComparing(SessionInfo::session))
                    .toList();
        }
    }

    Optional<SessionInfo> get(String user, String session) {
        synchronized (state.lock) {
            Session s = state.sessions.get(Session.key(user, session));
            if (s == null || s.expired(state.nanoClock.getAsLong())) {
                return Optional.empty();
            }
            return Optional.of(s.snapshot());
        }
    }

    /** Forgets the session and returns its live tunnels for the caller to close. */
    Optional<List<Tunnel>> remove(String user, String session) {
        synchronized (state.lock) {
            Session s = state.sessions.get(Session.key(user, session));
            if (s == null) {
                return Optional.empty();
            }
            boolean wasLive = !s.expired(state.nanoClock.getAsLong());
            state.drop(s);
            return wasLive ? Optional.of(List.copyOf(s.tunnels)) : Optional.empty();
        }
    }

    CompletableFuture<Rotation> rotate(String user, String session) {
        long t0 = state.nanoClock.getAsLong();
        Session s;
        Optional<ExitInfo> old;
        String next;
        synchronized (state.lock) {
            state.refreshSlots();
            s = state.sessions.get(Session.key(user, session));
            if (s == null || s.expired(t0)) {
                return CompletableFuture.failedFuture(new SessionNotFoundException(user, session));
            }
            if (state.catalog == null) {
                return CompletableFuture.failedFuture(new UnsupportedOperationException(
                        "rotation needs the node directory, which this tor pool runs without"));
            }
            Set<String> want = state.usableExits(s.demand, state.catalog);
            String current = s.exit != null ? s.exit.fingerprint() : s.pin;
            Set<String> others = new TreeSet<>(want);
            if (current != null) {
                others.remove(current);
            }
            if (others.isEmpty()) {
                RoutingException e = want.isEmpty() ? state.noUsableExit(s.demand, state.catalog)
                        : new RoutingException(SocksReply.HOST_UNREACHABLE, "no_other_exit", "only one exit "
                        + s.demand.describe() + " is running (" + state.label(current) + "): there is no other to rotate to");
                return CompletableFuture.failedFuture(e);
            }
            next = sessionPlanner.choosePin(others, s);
            Optional<Plan> plan;
            try {
                plan = instances.planProfile(ExitProfile.one(next), Set.of(next), s, false, null);
            } catch (RoutingException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (plan.isEmpty()) {
                return CompletableFuture.failedFuture(state.noInstanceFree(ExitProfile.one(next)));
            }
            old = current == null ? Optional.empty()
                    : Optional.of(s.exit != null ? s.exit : state.catalog.describe(current, Optional.empty(), Optional.empty(), List.of()));
            s.pin = next;
            s.epoch++;
            s.rotations++;
            s.expectedChange = "rotated from " + (current == null ? "no exit" : state.label(current)) + " to " + state.label(next);
            s.problem = null;
            holdFor(s, plan.get());
        }
        Session rotated = s;
        return pinnedSlotReady(rotated, RoutingState.MAX_ATTEMPTS).thenApply(v -> {
            Duration took = Duration.ofNanos(state.nanoClock.getAsLong() - t0);
            log.info("{} rotated in {} ms: {}", rotated, took.toMillis(), rotated.expectedChange);
            return new Rotation(user, session, old, state.catalog.describe(next, Optional.empty(), Optional.empty(), List.of()), took);
        });
    }

    /** Binds the session to the plan's slot so nobody re-profiles it away while it is being set up. */
    private void holdFor(Session s, Plan plan) {
        Slot slot = plan.slotOrNull();
        if (slot != null) {
            state.bind(s, slot);
        }
    }

    /** Completes once an instance runs the session's one-exit profile and the session is bound to it. */
    private CompletableFuture<Void> pinnedSlotReady(Session s, int attemptsLeft) {
        CompletableFuture<Void> wait;
        synchronized (state.lock) {
            if (s.pin == null) {
                return CompletableFuture.completedFuture(null);
            }
            ExitProfile target = ExitProfile.one(s.pin);
            if (s.slot != null && s.slot.usable() && s.slot.profile.sameExits(target)) {
                s.slotGeneration = s.slot.generation;
                return CompletableFuture.completedFuture(null);
            }
            if (s.slot != null && s.slot.applying != null && target.sameExits(s.slot.target)) {
                wait = s.slot.applying;
            } else {
                Optional<Plan> plan;
                try {
                    plan = instances.planProfile(target, Set.of(s.pin), s, false, null);
                } catch (RoutingException e) {
                    return CompletableFuture.failedFuture(e);
                }
                if (plan.isEmpty()) {
                    return CompletableFuture.failedFuture(state.problem(s, state.noInstanceFree(target)));
                }
                holdFor(s, plan.get());
                if (plan.get() instanceof Go) {
                    return CompletableFuture.completedFuture(null);
                }
                wait = ((Wait) plan.get()).until();
            }
            if (attemptsLeft <= 1) {
                return CompletableFuture.failedFuture(state.notPrepared(s.slot, null));
            }
        }
        return wait.handle((v, e) -> null).thenComposeAsync(v -> pinnedSlotReady(s, attemptsLeft - 1));
    }
}
