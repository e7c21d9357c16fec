package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.RetryRouteException;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.control.Hop;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.pool.Plan.Go;
import io.torgate.torpool.pool.Plan.Wait;
import io.torgate.torpool.session.ExitInfo;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing state of a tor pool: each instance's exit profile, the sticky sessions, and the decisions that
 * tie them together. Every decision is taken under one lock and is quick (no I/O); control-port work
 * (re-profiling, starting an instance) is started under it and completes later, after which the waiting
 * request plans again from scratch — the world may have changed meanwhile, and a plan made on fresh state is
 * the only one worth trusting.
 * <p>
 * Where a request goes, in order of preference: an instance whose profile is exactly what it needs; one being
 * set up for that; an idle instance (no live tunnels, routes or sessions), least recently used first,
 * re-profiled; an instance whose profile is narrower but inside what it needs; a new instance while the pool
 * may grow; for requests without exit options, any READY instance. Otherwise the request is refused.
 * <p>
 * Re-profiling relies on tor's own behaviour, measured on the testnet: changing {@code ExitNodes} makes tor
 * abandon every existing circuit for new streams (0 of 84 streams used an old circuit across 12 switches, for
 * old and new credentials alike), while setting the same value again keeps them. The slot's generation in
 * every isolation username is a second guard that costs nothing. No NEWNYM is needed, so no session on other
 * instances is disturbed and tor's 10 s NEWNYM limit never delays a switch.
 */
final class ExitRouting {

    private static final Logger log = LoggerFactory.getLogger(ExitRouting.class);

    /** What a successful plan hands to the router: where to send one connection, and how to track it. */
    record Routed(Slot slot, Session session, ExitProfile profile, int epoch, InetSocketAddress socks,
                  String username, String password) { }

    private final RoutingState state;
    private final InstancePlanner instances;
    private final SessionPlanner sessionPlanner;
    private final SessionControl sessionControl;

    ExitRouting(TorPool pool, ExitCatalog catalog, InstanceSelector selector, LongSupplier nanoClock,
                RandomGenerator random) {
        this.state = new RoutingState(pool, catalog, selector, nanoClock, random);
        this.instances = new InstancePlanner(state);
        this.sessionPlanner = new SessionPlanner(state, instances);
        this.sessionControl = new SessionControl(state, instances, sessionPlanner);
        synchronized (state.lock) {
            state.refreshSlots();
        }
    }

    /** List, get, remove, rotate. */
    SessionControl sessions() {
        return sessionControl;
    }

    /** Plans one connection; completes when an instance is ready for it, or fails with a RoutingException. */
    CompletableFuture<Routed> route(ConnectRequest request, IsolationCredentials.Credential credential) {
        CompletableFuture<Routed> result = new CompletableFuture<>();
        attempt(request, credential, result, RoutingState.MAX_ATTEMPTS, null, null);
        return result;
    }

    private void attempt(ConnectRequest request, IsolationCredentials.Credential credential,
                         CompletableFuture<Routed> result, int attemptsLeft, Slot held, Throwable lastWaitFailure) {
        Object outcome;
        synchronized (state.lock) {
            if (held != null) {
                held.pending--;
            }
            try {
                Plan plan = plan(request, credential);
                if (plan instanceof Go go) {
                    outcome = admit(go.slot(), request, credential);
                } else {
                    Wait wait = (Wait) plan;
                    if (attemptsLeft <= 1) {
                        outcome = state.notPrepared(wait.slot(), lastWaitFailure);
                    } else {
                        if (wait.slot() != null) {
                            wait.slot().pending++;
                        }
                        outcome = wait;
                    }
                }
            } catch (RoutingException e) {
                outcome = e;
            } catch (RuntimeException e) {
                log.error("routing failed", e);
                outcome = e;
            }
        }
        if (outcome instanceof Routed routed) {
            result.complete(routed);
        } else if (outcome instanceof Wait wait) {
            wait.until().whenCompleteAsync((v, e) -> attempt(request, credential, result, attemptsLeft - 1,
                    wait.slot(), e == null ? lastWaitFailure : state.unwrap(e)));
        } else {
            result.completeExceptionally((Throwable) outcome);
        }
    }

    private Plan plan(ConnectRequest request, IsolationCredentials.Credential credential) throws RoutingException {
        state.refreshSlots();
        RouteRequest r = request.route();
        ExitDemand demand = ExitDemand.of(r);
        if (!demand.isAny() && state.catalog == null) {
            throw new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "exit_selection_unsupported",
                    "exit selection (country, exclude, exit) needs the node directory, which this tor pool runs without");
        }
        state.maybeSweep();
        if (state.growths.isEmpty() && !state.pool.canGrow() && state.slots.values().stream()
                .noneMatch(s -> s.instance.state() == InstanceState.READY)) {
            throw state.noneReady();
        }
        if (r.session().isPresent() && !r.rotateEach()) {
            return sessionPlanner.planSession(sessionFor(r, credential), demand, request);
        }
        if (demand.isAny()) {
            return instances.planProfile(ExitProfile.ANY, null, null, true, request)
                    .orElseThrow(() -> state.noInstanceFree(ExitProfile.ANY));
        }
        Set<String> want = state.usableExits(demand, state.catalog);
        if (want.isEmpty()) {
            throw state.noUsableExit(demand, state.catalog);
        }
        ExitProfile target = state.targetFor(demand, want);
        return instances.planProfile(target, want, null, true, request).orElseThrow(() -> state.noInstanceFree(target));
    }

    /** Reserves the slot for one connection and builds its isolation username. */
    private Routed admit(Slot slot, ConnectRequest request, IsolationCredentials.Credential credential) {
        long now = state.nanoClock.getAsLong();
        slot.pending++;
        slot.lastUsedNanos = now;
        Session s = null;
        RouteRequest r = request.route();
        if (r.session().isPresent() && !r.rotateEach()) {
            s = state.sessions.get(Session.key(r.user(), r.session().get()));
        }
        String username;
        String password;
        int epoch = 0;
        if (s != null) {
            state.bind(s, slot);
            s.pending++;
            s.touch(now, Instant.now());
            s.problem = null;
            epoch = s.epoch;
            username = s.credentialUser + "-g" + slot.generation + "-e" + s.epoch;
            password = s.credentialPassword;
        } else {
            username = credential.username() + "-g" + slot.generation;
            password = credential.password();
        }
        return new Routed(slot, s, slot.profile, epoch, slot.instance.socksAddress().orElseThrow(), username, password);
    }

    private Session sessionFor(RouteRequest r, IsolationCredentials.Credential credential) {
        String key = Session.key(r.user(), r.session().orElseThrow());
        long now = state.nanoClock.getAsLong();
        Session s = state.sessions.get(key);
        if (s != null && s.expired(now)) {
            state.drop(s);
            s = null;
        } else if (s != null && !s.sameOptions(r)) {
            log.debug("{} comes with other exit options: starting it afresh", s);
            state.drop(s);
            s = null;
        }
        if (s == null) {
            // Without the rotate-each nonce (a session never has it), equal requests give equal credentials.
            s = new Session(key, r, credential.username(), credential.password(), now, Instant.now());
            state.sessions.put(key, s);
        }
        s.ttl = r.ttl();
        s.touch(now, Instant.now());
        return s;
    }

    /** An instance left service (restarting, stopped, failed): its tor forgets the profile and circuits. */
    List<Tunnel> instanceLeftService(TorInstance instance, String why) {
        synchronized (state.lock) {
            Slot slot = state.slots.get(instance.name());
            if (slot == null) {
                return List.of();
            }
            slot.reset();
            for (Session s : List.copyOf(slot.bound)) {
                state.unbind(s);
                log.debug("{} unbound from {}: {}", s, slot.name(), why);
            }
            return List.copyOf(slot.tunnels);
        }
    }

    void established(Routed r, Tunnel tunnel) {
        synchronized (state.lock) {
            r.slot().pending--;
            r.slot().tunnels.add(tunnel);
            r.slot().lastUsedNanos = state.nanoClock.getAsLong();
            Session s = r.session();
            if (s != null) {
                s.pending--;
                s.tunnels.add(tunnel);
                s.connections++;
                s.touch(state.nanoClock.getAsLong(), Instant.now());
            }
        }
    }

    void failed(Routed r, SocksReply reply, Throwable cause) {
        synchronized (state.lock) {
            r.slot().pending--;
            Session s = r.session();
            if (s != null) {
                s.pending--;
                s.touch(state.nanoClock.getAsLong(), Instant.now());
                // The client left, or the gateway routes it again: nothing wrong with the session.
                if (!(cause instanceof ClosedChannelException) && !(cause instanceof RetryRouteException)) {
                    s.problem = "a connection through " + r.slot().name() + " failed with " + reply
                            + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
                }
            }
        }
    }

    void closed(Routed r, Tunnel tunnel) {
        synchronized (state.lock) {
            long now = state.nanoClock.getAsLong();
            r.slot().tunnels.remove(tunnel);
            r.slot().lastUsedNanos = now;
            Session s = r.session();
            if (s != null) {
                s.tunnels.remove(tunnel);
                s.touch(now, Instant.now());
            }
        }
    }

    /** What {@link #admit} decided about one upstream connection before its client is answered. */
    record Admission(boolean ok, String reason, String detail, String closeCircuit) {
        static final Admission OK = new Admission(true, null, null, null);
    }

    /**
     * Whether tor's choice for this connection is the one the request needs, checked before the client is
     * answered, so that no byte of the client's ever leaves through a wrong exit:
     * <ul>
     * <li>an exit outside the profile the connection was routed under is rejected, and its circuit closed so
     * tor cannot offer it again (tor abandons old circuits when ExitNodes changes, so this should never happen;
     * if it does, it is logged as an error and the client is routed again);</li>
     * <li>an unpinned flexible session that tor put on another circuit through another exit (tor does not
     * promise one circuit per isolation credential: a stream that timed out is retried on a new circuit, and a
     * NEWNYM or a failing circuit makes new ones) is held on its exit while that exit runs, on a one-exit
     * instance, instead of silently changing its exit; the client is routed again.</li>
     * </ul>
     */
    Admission admit(Routed r, StreamExit exit) {
        Optional<Hop> hop = exit.exit();
        String fp = hop.map(Hop::fingerprint).filter(f -> !f.isEmpty()).orElse(null);
        if (r.profile().kind() != ExitProfile.Kind.ANY && (fp == null || !r.profile().exits().contains(fp))) {
            String detail = "tor carried a connection routed under " + r.profile() + " on " + r.slot().name()
                    + " through " + (fp == null ? "a circuit of unknown path" : "exit $" + fp) + " (circuit "
                    + exit.circuitId() + ")";
            log.error("{}; closing that circuit and routing the connection again", detail);
            synchronized (state.lock) {
                state.wrongExits++;
            }
            return new Admission(false, "exit_outside_profile", detail, exit.circuitId());
        }
        Session s = r.session();
        if (s == null || fp == null) {
            return Admission.OK;
        }
        synchronized (state.lock) {
            if (s.pin != null || s.exit == null || s.exit.fingerprint().equals(fp) || s.expectedChange != null
                    || r.epoch() != s.epoch || state.sessions.get(s.key) != s) {
                return Admission.OK;
            }
            String held = s.exit.fingerprint();
            ExitCatalog known = state.catalogFor(s.demand);
            if (state.whyExitGone(held, known) != null
                    || (!s.demand.isAny() && known != null && !state.usableExits(s.demand, known).contains(held))) {
                return Admission.OK; // its exit is gone or no longer wanted: moving within the group is right
            }
            s.pin = held;
            s.epoch++;
            String detail = "tor put " + s + " on circuit " + exit.circuitId() + " through " + state.label(fp)
                    + " instead of its circuit " + s.circuitId + " through " + s.exit.label() + "; holding its exit";
            log.info(detail);
            return new Admission(false, "session_exit_held", detail, null);
        }
    }

    /**
     * Records the exit tor used on the connection's session. The exit was checked against the profile before the
     * client was answered ({@link #admit}), so an established tunnel never breaks its profile.
     */
    void exitLearned(Routed r, StreamExit exit) {
        Optional<Hop> hop = exit.exit();
        Session s = r.session();
        if (s == null || hop.isEmpty() || hop.get().fingerprint().isEmpty()) {
            return; // nothing to record (or tor never told us the circuit's path)
        }
        String fp = hop.get().fingerprint();
        List<String> path = exit.path().stream().map(Hop::toString).toList();
        Optional<String> nick = hop.get().nickname().isEmpty() ? Optional.empty() : Optional.of(hop.get().nickname());
        ExitInfo info = state.catalog != null ? state.catalog.describe(fp, nick, Optional.of(exit.circuitId()), path)
                : ExitCatalog.describeBare(fp, nick, Optional.of(exit.circuitId()), path);
        synchronized (state.lock) {
            if (r.epoch() != s.epoch || state.sessions.get(s.key) != s) {
                return; // routed before a rotation or move (or the session ended): not its current exit
            }
            if (s.exit != null && !s.exit.fingerprint().equals(fp)) {
                s.exitChanges++;
                s.lastExitChange = s.expectedChange != null ? s.expectedChange
                        : "tor built a new circuit through " + info.label() + " (was " + s.exit.label() + ")";
            }
            s.expectedChange = null;
            if (s.circuitId == null || !s.circuitId.equals(exit.circuitId()) || s.slot != r.slot()) {
                s.circuitId = exit.circuitId();
                s.circuitSinceNanos = state.nanoClock.getAsLong();
            }
            s.exit = info;
            s.problem = null;
        }
    }

    long wrongExits() {
        synchronized (state.lock) {
            return state.wrongExits;
        }
    }

    int liveTunnels(String instance) {
        synchronized (state.lock) {
            Slot slot = state.slots.get(instance);
            return slot == null ? 0 : slot.tunnels.size();
        }
    }

    Map<String, ExitProfile> profiles() {
        synchronized (state.lock) {
            state.refreshSlots();
            Map<String, ExitProfile> out = new LinkedHashMap<>();
            for (Slot slot : state.slots.values()) {
                out.put(slot.name(), slot.profileCurrent() ? slot.profile : ExitProfile.ANY);
            }
            return out;
        }
    }
}
