package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.pool.Plan.Go;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session side of exit routing: where a sticky session's next connection goes. Pinned sessions (always
 * when strict) need an instance whose profile is exactly their exit; unpinned flexible ones ride their circuit
 * on their instance while it would serve them again, and otherwise are held on their exit or moved within their
 * group. Callers hold the state's lock.
 */
final class SessionPlanner {

    private static final Logger log = LoggerFactory.getLogger(SessionPlanner.class);

    /**
     * Tor stops putting new streams on a circuit 10 minutes after its first stream (MaxCircuitDirtiness). An
     * unpinned session whose circuit is older than this margin gets pinned to its exit before tor would build
     * a new circuit through some other exit of the group.
     */
    static final Duration CIRCUIT_REUSE_LIMIT = Duration.ofMinutes(9);

    private final RoutingState state;
    private final InstancePlanner instances;

    SessionPlanner(RoutingState state, InstancePlanner instances) {
        this.state = state;
        this.instances = instances;
    }

    Plan planSession(Session s, ExitDemand demand, ConnectRequest request) throws RoutingException {
        ExitCatalog known = state.catalogFor(demand);
        if (s.pin == null && s.strict() && known != null) {
            Set<String> want = state.usableExits(demand, known);
            if (want.isEmpty()) {
                throw state.problem(s, state.noUsableExit(demand, known));
            }
            s.pin = demand.exit().orElseGet(() -> choosePin(want, s));
            s.epoch++;
        }
        if (s.pin != null) {
            return planPinned(s, demand, request);
        }
        Set<String> want = known == null || demand.isAny() ? null : state.usableExits(demand, known);
        if (want != null && want.isEmpty()) {
            throw state.problem(s, state.noUsableExit(demand, known));
        }
        if (s.slot != null) {
            String leaving = whyNotServing(s, want, known);
            if (leaving == null) {
                return new Go(s.slot);
            }
            Slot old = s.slot;
            state.unbind(s);
            if (s.exit != null) {
                return leave(s, demand, want, known, old.name(), leaving, request);
            }
        }
        ExitProfile target = state.targetFor(demand, want == null ? Set.of() : want);
        Optional<Plan> p = instances.planProfile(target, want, s, true, request);
        if (p.isEmpty()) {
            throw state.problem(s, state.noInstanceFree(target));
        }
        return p.get();
    }

    /**
     * An unpinned flexible session must leave its instance: it keeps its exit if that still runs (pinned to it
     * on a one-exit instance, so tor cannot pick another), else it moves to another exit of its group.
     */
    private Plan leave(Session s, ExitDemand demand, Set<String> want, ExitCatalog known, String from,
                       String why, ConnectRequest request) throws RoutingException {
        String fp = s.exit.fingerprint();
        String gone = state.whyExitGone(fp, known);
        boolean alive = gone == null;
        if (alive && (want == null || want.contains(fp))) {
            log.info("{}: holding exit {} on a one-exit instance ({} {})", s, s.exit.label(), from, why);
            s.pin = fp;
        } else {
            Set<String> others = new TreeSet<>(want == null ? state.usableExits(demand, known) : want);
            others.remove(fp);
            if (others.isEmpty()) {
                throw state.problem(s, state.noUsableExit(demand, known));
            }
            s.pin = choosePin(others, s);
            s.expectedChange = "moved from " + s.exit.label() + " to " + state.label(s.pin) + ": "
                    + (alive ? "it is not " + demand.describe() + " any more" : gone);
            log.info("{}: {}", s, s.expectedChange);
        }
        s.epoch++;
        return planPinned(s, demand, request);
    }

    /** Why an unpinned session's instance would not give it the same exit again; null when it would. */
    private String whyNotServing(Session s, Set<String> want, ExitCatalog known) {
        Slot slot = s.slot;
        if (!slot.usable()) {
            return "its tor instance " + slot.name() + " is " + slot.instance.state()
                    + (slot.applying != null ? " and being re-profiled" : "");
        }
        if (slot.generation != s.slotGeneration) {
            return "its tor instance " + slot.name() + " was restarted or re-profiled";
        }
        if (want != null && !slot.profile.within(want)) {
            return "the exits of its instance " + slot.name() + " no longer all run";
        }
        if (s.exit != null) {
            String gone = state.whyExitGone(s.exit.fingerprint(), known);
            if (gone != null) {
                return gone;
            }
        }
        if (s.circuitId != null) {
            Optional<CircuitEvent> c = slot.instance.circuits().circuit(s.circuitId);
            if (c.isEmpty() || c.get().isTerminal()) {
                return "its circuit " + s.circuitId + " closed";
            }
            if (state.nanoClock.getAsLong() - s.circuitSinceNanos > CIRCUIT_REUSE_LIMIT.toNanos()) {
                return "its circuit " + s.circuitId + " is too old for tor to reuse";
            }
        }
        return null;
    }

    private Plan planPinned(Session s, ExitDemand demand, ConnectRequest request) throws RoutingException {
        ExitCatalog known = state.catalogFor(demand);
        String why = state.whyExitGone(s.pin, known);
        if (why != null) {
            if (s.strict() || known == null) {
                throw state.problem(s, new RoutingException(SocksReply.HOST_UNREACHABLE, "session_exit_gone",
                        why + "; " + (s.strict() ? "strict " : "") + "session " + s.id
                                + " keeps its exit and fails rather than switch"));
            }
            Set<String> others = state.usableExits(demand, known);
            others.remove(s.pin);
            if (others.isEmpty()) {
                throw state.problem(s, state.noUsableExit(demand, known));
            }
            String next = choosePin(others, s);
            s.expectedChange = "moved from " + state.label(s.pin) + " to " + state.label(next) + ": " + why;
            log.info("{}: {}", s, s.expectedChange);
            s.pin = next;
            s.epoch++;
        }
        ExitProfile target = ExitProfile.one(s.pin);
        if (s.slot != null && s.slot.usable() && s.slot.profile.sameExits(target)) {
            return new Go(s.slot);
        }
        Optional<Plan> p = instances.planProfile(target, Set.of(s.pin), s, false, request);
        if (p.isPresent()) {
            return p.get();
        }
        if (!s.strict()) {
            // Flexible sessions may move within their group rather than fail.
            Set<String> want = known == null || demand.isAny() ? null : state.usableExits(demand, known);
            ExitProfile group = state.targetFor(demand, want == null ? Set.of() : want);
            Optional<Plan> g = instances.planProfile(group, want, s, true, request);
            if (g.isPresent()) {
                s.expectedChange = "no tor instance was free to hold exit " + state.label(s.pin) + "; moved within "
                        + demand.label();
                s.pin = null;
                s.epoch++;
                state.unbind(s);
                return g.get();
            }
        }
        throw state.problem(s, state.noInstanceFree(target));
    }

    /**
     * A new exit for a session among {@code candidates}. When no instance is idle and the pool cannot grow,
     * exits that already have a one-exit instance are preferred: the session can share it.
     */
    String choosePin(Set<String> candidates, Session requester) {
        if (instances.lruIdle(requester) == null && !state.pool.canGrow()) {
            Set<String> served = new TreeSet<>();
            for (Slot slot : state.slots.values()) {
                ExitProfile p = slot.applying != null ? slot.target : slot.profile;
                if (p.singleExit().isPresent() && candidates.containsAll(p.exits())) {
                    served.addAll(p.exits());
                }
            }
            if (!served.isEmpty()) {
                return state.catalog.pick(served, state.random);
            }
        }
        return state.catalog.pick(candidates, state.random);
    }
}
