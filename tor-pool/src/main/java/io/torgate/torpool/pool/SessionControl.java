package io.torgate.torpool.pool;

import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.circuit.BuiltCircuit;
import io.torgate.torpool.circuit.CircuitStack;
import io.torgate.torpool.circuit.PathRequest;
import io.torgate.torpool.instance.TorInstance;
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
 * The operations on sessions from outside the data path: list, get, remove and rotate. A rotation is a new circuit
 * through another exit of the session's group, built on the session's instance (a warm one when there is one that
 * fits); it completes when that circuit is built, and the session's next connection rides it.
 */
final class SessionControl {

    private static final Logger log = LoggerFactory.getLogger(SessionControl.class);

    private final CircuitRouting routing;
    private final PoolCircuits circuits;
    private final TorPool pool;

    SessionControl(CircuitRouting routing, PoolCircuits circuits, TorPool pool) {
        this.routing = routing;
        this.circuits = circuits;
        this.pool = pool;
    }

    List<SessionInfo> list() {
        synchronized (routing.lock) {
            routing.sweep();
            return routing.sessions.values().stream().map(Session::snapshot)
                    .sorted(Comparator.comparing(SessionInfo::user).thenComparing(SessionInfo::session))
                    .toList();
        }
    }

    Optional<SessionInfo> get(String user, String session) {
        synchronized (routing.lock) {
            Session s = routing.sessions.get(Session.key(user, session));
            if (s == null || s.expired(routing.nanoClock.getAsLong())) {
                return Optional.empty();
            }
            return Optional.of(s.snapshot());
        }
    }

    /** Forgets the session (its circuit closed) and returns its live tunnels for the caller to close. */
    Optional<List<Tunnel>> remove(String user, String session) {
        synchronized (routing.lock) {
            Session s = routing.sessions.get(Session.key(user, session));
            if (s == null) {
                return Optional.empty();
            }
            boolean wasLive = !s.expired(routing.nanoClock.getAsLong());
            routing.drop(s);
            return wasLive ? Optional.of(List.copyOf(s.tunnels)) : Optional.empty();
        }
    }

    CompletableFuture<Rotation> rotate(String user, String session) {
        long t0 = routing.nanoClock.getAsLong();
        Session s;
        Optional<ExitInfo> old;
        int epoch;
        CompletableFuture<BuiltCircuit> built;
        TorInstance instance;
        synchronized (routing.lock) {
            s = routing.sessions.get(Session.key(user, session));
            if (s == null || s.expired(t0)) {
                return CompletableFuture.failedFuture(new SessionNotFoundException(user, session));
            }
            if (routing.catalog == null) {
                return CompletableFuture.failedFuture(new UnsupportedOperationException(
                        "rotation needs the node directory, which this tor pool runs without"));
            }
            Set<String> want = routing.usableExits(s.demand);
            String current = s.heldExit();
            Set<String> others = new TreeSet<>(want);
            if (current != null) {
                others.remove(current);
            }
            if (others.isEmpty()) {
                RoutingException e = want.isEmpty() ? routing.noUsableExit(s.demand)
                        : new RoutingException(SocksReply.HOST_UNREACHABLE, "no_other_exit", "only one exit "
                        + s.demand.describe() + " is running (" + routing.label(current) + "): there is no other to rotate to");
                return CompletableFuture.failedFuture(routing.problem(s, e));
            }
            Optional<CircuitStack> stack = s.instance == null ? Optional.empty() : circuits.stack(s.instance);
            if (stack.isEmpty()) {
                stack = circuits.open().stream().findFirst();
            }
            if (stack.isEmpty()) {
                return CompletableFuture.failedFuture(new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready",
                        "no tor instance is ready to build the rotated circuit"));
            }
            instance = pool.instance(stack.get().control().name()).orElse(null);
            if (instance == null) {
                return CompletableFuture.failedFuture(new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready",
                        "the session's tor instance left the pool"));
            }
            old = Optional.ofNullable(s.exit).or(() -> current == null ? Optional.empty()
                    : Optional.of(routing.catalog.describe(current, Optional.empty(), Optional.empty(), List.of())));
            routing.retireCircuit(s, false); // its live tunnels go on; new connections take the new circuit
            s.epoch++;
            s.rotations++;
            s.pin = null;
            s.instance = instance.name();
            s.expectedChange = "rotated from " + (current == null ? "no exit" : routing.label(current));
            s.problem = null;
            epoch = s.epoch;
            built = stack.get().circuits().circuitFor(s.circuitKey(), PathRequest.through(others, s.lastPort));
        }
        Session rotated = s;
        return built.handle((c, error) -> {
            synchronized (routing.lock) {
                if (c == null) {
                    RoutingException e = new RoutingException(SocksReply.GENERAL_FAILURE, "rotation_failed",
                            "no circuit through another exit could be built: " + CircuitRouting.unwrap(error).getMessage());
                    throw new java.util.concurrent.CompletionException(routing.problem(rotated, e));
                }
                String change = rotated.expectedChange + " to " + routing.label(c.path().exit().fingerprint());
                rotated.expectedChange = change; // recorded as the exit change by circuitLearned
                routing.circuitLearned(rotated, epoch, instance, c);
                Duration took = Duration.ofNanos(routing.nanoClock.getAsLong() - t0);
                log.info("{} rotated in {} ms: {}", rotated, took.toMillis(), change);
                ExitInfo next = routing.catalog.describe(c.path().exit().fingerprint(),
                        Optional.of(c.path().exit().nickname()), Optional.of(c.id()), List.of());
                return new Rotation(user, session, old, next, took);
            }
        });
    }
}
