package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.RetryRouteException;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.circuit.BuiltCircuit;
import io.torgate.torpool.circuit.CircuitBuildException;
import io.torgate.torpool.circuit.CircuitStack;
import io.torgate.torpool.circuit.Node;
import io.torgate.torpool.circuit.PathRequest;
import io.torgate.torpool.control.Hop;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each connection goes when exits are circuits: any instance in service serves every exit, country, pinned
 * exit and session at once. A connection gets an isolation key (its session's, or its user and options', or its
 * own for {@code rotate-each}), the key gets a circuit torgate builds on the chosen instance through the exits the
 * request allows ({@link io.torgate.torpool.circuit.InstanceCircuits}), and the instance's attacher sends the
 * connection's stream down that circuit. The route completes once the circuit is built, so the exit is known,
 * and right, before the client is answered.
 * <ul>
 *   <li>Instances are chosen for load only (the {@link InstanceSelector}, fewest tunnels by default); a session
 *       stays on the instance of its circuit while that instance serves, and moves (keeping its exit) when it
 *       does not.</li>
 *   <li>A strict session keeps one exit: every circuit it gets leaves there; when the relay is gone it fails with
 *       0x04 {@code session_exit_gone}. A flexible one keeps the exit of its first circuit while that exit runs,
 *       then moves within its group, and the move is recorded with its reason.</li>
 *   <li>Rotation is a new circuit through another exit of the group: no NEWNYM, no instance change.</li>
 * </ul>
 * Decisions are taken under one lock and are quick (no I/O); circuit builds complete later.
 */
final class CircuitRouting {

    private static final Logger log = LoggerFactory.getLogger(CircuitRouting.class);

    /** The port warm circuits are built towards (their exits must accept it). */
    static final int WARM_PORT = 443;
    private static final int SWEEP_EVERY = 256;
    /** Routing may wait this often for an instance to come up (a stack opening, the pool growing). */
    private static final int MAX_WAITS = 2;

    /** What a route hands to the router: where one connection goes and how it is tracked. */
    /** @param circuit the key's circuit; null for an onion destination (tor's own rendezvous circuit carries it) */
    record Routed(TorInstance instance, CircuitStack stack, String key, boolean oneShot, PathRequest path,
                  BuiltCircuit circuit, Session session, int epoch, InetSocketAddress socks, String username,
                  String password) {
    }

    final Object lock = new Object();
    private final TorPool pool;
    private final PoolCircuits circuits;
    /** The node directory as routing reads it; null when the router runs without one. */
    final ExitCatalog catalog;
    private final InstanceSelector selector;
    final LongSupplier nanoClock;
    final RandomGenerator random;
    final Map<String, Session> sessions = new HashMap<>();
    final ExitHealth health = new ExitHealth();
    final WarmGroups warm;
    private final Map<String, Set<Tunnel>> tunnels = new HashMap<>();
    private final Map<String, Integer> pending = new HashMap<>();
    private CompletableFuture<TorInstance> growing;
    private final int growAtTunnels;
    private long operations;
    long wrongExits;

    CircuitRouting(TorPool pool, PoolCircuits circuits, ExitCatalog catalog, InstanceSelector selector,
                   LongSupplier nanoClock, RandomGenerator random, WarmGroups warm, int growAtTunnels) {
        this.pool = pool;
        this.circuits = circuits;
        this.catalog = catalog;
        this.selector = selector;
        this.nanoClock = nanoClock;
        this.random = random;
        this.warm = warm;
        this.growAtTunnels = growAtTunnels;
    }

    /** A stack opened: it keeps the warm groups, and its key failures reach {@link #keyCircuitFailed}. */
    void opened(CircuitStack stack) {
        stack.circuits().onKeyCircuitFailed(this::keyCircuitFailed);
        synchronized (lock) {
            warm.opened(stack);
        }
    }

    /** Routes one connection; completes when its circuit is built, or fails with a RoutingException. */
    CompletableFuture<Routed> route(ConnectRequest request, IsolationCredentials.Credential credential) {
        CompletableFuture<Routed> result = new CompletableFuture<>();
        attempt(request, credential, result, MAX_WAITS, false);
        return result;
    }

    private void attempt(ConnectRequest request, IsolationCredentials.Credential credential,
                         CompletableFuture<Routed> result, int waitsLeft, boolean moved) {
        RouteRequest r = request.route();
        int port = request.destination().port();
        Session s = null;
        Placed placed;
        CompletableFuture<BuiltCircuit> built;
        String key;
        int epoch;
        PathRequest path;
        try {
            synchronized (lock) {
                ExitDemand demand = ExitDemand.of(r);
                if (!demand.isAny() && catalog == null) {
                    throw new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "exit_selection_unsupported",
                            "exit selection (country, exclude, exit) needs the node directory, which this tor pool runs without");
                }
                if (++operations % SWEEP_EVERY == 0) {
                    sweep();
                }
                if (isOnion(request)) {
                    refuseOnion(request, demand);
                }
                if (r.session().isPresent() && !r.rotateEach()) {
                    s = sessionFor(r, credential);
                }
                path = isOnion(request) ? PathRequest.anyExit(port)
                        : s != null ? sessionPath(s, port) : connectionPath(demand, port);
                placed = place(request, s);
                if (placed.until != null) {
                    if (waitsLeft <= 0) {
                        throw noneReady();
                    }
                    placed.until.whenCompleteAsync((v, e) -> attempt(request, credential, result, waitsLeft - 1, moved));
                    return;
                }
                if (!demand.isAny() && demand.exit().isEmpty()) {
                    // A country group asked for is kept warm from now on (sessions too: their next ones start at once).
                    Set<String> groupExits = s == null ? path.exits() : warm.has(demand.label()) ? null : usableExits(demand);
                    if (groupExits != null && !groupExits.isEmpty()) {
                        warm.wanted(demand.label(), groupExits);
                    }
                }
                key = s != null ? s.circuitKey() : credential.username();
                epoch = s != null ? s.epoch : 0;
                if (isOnion(request)) {
                    // tor builds onion-service circuits itself (the attacher hands such streams back): no exit and no
                    // circuit of torgate's to wait for or to check.
                    pending.merge(placed.instance.name(), 1, Integer::sum);
                    Optional<InetSocketAddress> socks = placed.instance.socksAddress();
                    if (socks.isEmpty()) {
                        throw noneReady();
                    }
                    result.complete(new Routed(placed.instance, placed.stack, key, false, path, null, s, epoch,
                            socks.get(), key, s != null ? s.credentialPassword : credential.password()));
                    return;
                }
                pending.merge(placed.instance.name(), 1, Integer::sum);
                if (s != null) {
                    s.instance = placed.instance.name();
                    s.pending++;
                    s.lastPort = port;
                    s.touch(nanoClock.getAsLong(), Instant.now());
                }
                built = placed.stack.circuits().circuitFor(key, path);
            }
        } catch (RoutingException e) {
            result.completeExceptionally(e);
            return;
        } catch (RuntimeException e) {
            log.error("routing failed", e);
            result.completeExceptionally(e);
            return;
        }
        Session session = s;
        TorInstance instance = placed.instance;
        CircuitStack stack = placed.stack;
        boolean oneShot = session == null && r.rotateEach();
        String password = session != null ? session.credentialPassword : credential.password();
        built.whenComplete((c, error) -> {
            Optional<InetSocketAddress> socks = instance.socksAddress();
            if (c != null && socks.isPresent()) {
                synchronized (lock) {
                    if (session != null) {
                        circuitLearned(session, epoch, instance, c);
                    }
                }
                result.complete(new Routed(instance, stack, key, oneShot, path, c, session, epoch, socks.get(), key,
                        password));
                return;
            }
            Throwable cause = c != null
                    ? new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready", "tor instance '" + instance.name()
                            + "' left service while the circuit was built (" + instance.state() + ")")
                    : unwrap(error);
            RoutingException refusal;
            boolean retry = false;
            synchronized (lock) {
                pending.merge(instance.name(), -1, Integer::sum);
                if (oneShot) {
                    stack.circuits().retire(key, true);
                }
                if (session != null) {
                    session.pending--;
                }
                refusal = refusal(path, cause);
                if (path.pinned() && isReachability(cause)) {
                    String fp = path.exits().iterator().next();
                    health.mark(fp, cause.getMessage(), nanoClock.getAsLong());
                }
                boolean exitsFault = isReachability(cause)
                        || cause instanceof CircuitBuildException b && b.reason().equals("exit_rejects_port");
                if (session != null && !session.strict() && !moved && epoch == session.epoch
                        && path.pinned() && session.heldExit() != null && exitsFault) {
                    // A flexible session whose exit cannot be reached or rejects the port moves within its group.
                    String from = session.heldExit();
                    String why = refusal.detail();
                    if (moveAway(session, from, why)) {
                        retry = true;
                    }
                }
                if (!retry && session != null) {
                    session.problem = refusal.detail();
                }
            }
            if (retry) {
                attempt(request, credential, result, waitsLeft, true);
            } else {
                result.completeExceptionally(refusal);
            }
        });
    }

    /** The path a connection without a session needs. */
    private PathRequest connectionPath(ExitDemand demand, int port) throws RoutingException {
        if (demand.isAny()) {
            return new PathRequest(Set.of(), port, Set.of(), health.marked(nanoClock.getAsLong()));
        }
        Set<String> want = usableExits(demand);
        if (want.isEmpty()) {
            throw noUsableExit(demand);
        }
        return PathRequest.through(want, port);
    }

    /**
     * The path a session's next circuit needs: through the exit it holds (strict: its pin; flexible: its current
     * exit) while that runs; a strict one fails when it is gone, a flexible one moves within its group.
     */
    private PathRequest sessionPath(Session s, int port) throws RoutingException {
        String held = s.heldExit();
        if (held != null) {
            String gone = whyExitGone(held);
            if (gone == null && !s.strict() && !s.demand.isAny() && !usableExits(s.demand).contains(held)) {
                gone = "exit " + label(held) + " is no longer " + s.demand.describe();
            }
            if (gone == null) {
                return PathRequest.through(Set.of(held), port);
            }
            if (s.strict()) {
                throw problem(s, new RoutingException(SocksReply.HOST_UNREACHABLE, "session_exit_gone",
                        gone + "; strict session " + s.id + " keeps its exit and fails rather than switch"));
            }
            moveAway(s, held, gone);
        }
        if (s.demand.exit().isPresent()) {
            String fp = s.demand.exit().get();
            String gone = whyExitGone(fp);
            if (gone != null) {
                throw problem(s, new RoutingException(SocksReply.HOST_UNREACHABLE, "session_exit_gone",
                        gone + "; session " + s.id + " names that exit and fails rather than switch"));
            }
            return PathRequest.through(Set.of(fp), port);
        }
        Set<String> avoid = s.avoid;
        if (s.demand.isAny()) {
            Set<String> marked = new HashSet<>(health.marked(nanoClock.getAsLong()));
            marked.addAll(avoid);
            return new PathRequest(Set.of(), port, Set.of(), marked);
        }
        Set<String> want = usableExits(s.demand);
        want.removeAll(avoid);
        if (want.isEmpty()) {
            throw problem(s, noUsableExit(s.demand));
        }
        return PathRequest.through(want, port);
    }

    /**
     * A flexible session leaves exit {@code from}: a new epoch (so a new key and circuit), the old exit avoided,
     * the reason recorded for when the change is seen. False when its group has no other exit.
     */
    boolean moveAway(Session s, String from, String why) {
        if (!s.demand.isAny() && catalog != null) {
            Set<String> others = usableExits(s.demand);
            others.remove(from);
            if (others.isEmpty()) {
                return false;
            }
        }
        retireCircuit(s, false);
        s.epoch++;
        s.pin = null;
        s.exit = null;
        s.circuit = null;
        s.avoid = Set.of(from);
        s.expectedChange = "moved from " + label(from) + ": " + why;
        log.info("{}: {}", s, s.expectedChange);
        return true;
    }

    /** Records the circuit a session's connection will ride (under the lock). */
    void circuitLearned(Session s, int epoch, TorInstance instance, BuiltCircuit c) {
        if (epoch != s.epoch || sessions.get(s.key) != s) {
            return; // routed before a rotation or move (or the session ended): not its current circuit
        }
        Node exit = c.path().exit();
        if (s.exit != null && !s.exit.fingerprint().equals(exit.fingerprint())) {
            s.exitChanges++;
            s.lastExitChange = s.expectedChange != null ? s.expectedChange
                    : "its circuit now leaves through " + label(exit.fingerprint()) + " (was " + s.exit.label() + ")";
        } else if (s.exit == null && s.expectedChange != null && s.connections > 0) {
            s.exitChanges++;
            s.lastExitChange = s.expectedChange + "; now " + label(exit.fingerprint());
        }
        s.expectedChange = null;
        s.avoid = Set.of();
        if (s.strict() && s.pin == null) {
            s.pin = exit.fingerprint();
        }
        List<String> hops = c.path().hops().stream().map(n -> "$" + n.fingerprint() + "~" + n.nickname()).toList();
        s.exit = catalog != null
                ? catalog.describe(exit.fingerprint(), Optional.of(exit.nickname()), Optional.of(c.id()), hops)
                : ExitCatalog.describeBare(exit.fingerprint(), Optional.of(exit.nickname()), Optional.of(c.id()), hops);
        s.circuit = c;
        s.instance = instance.name();
        s.problem = null;
        health.clear(exit.fingerprint());
    }

    /**
     * A key's circuit could not be built, also outside routing (a stream whose circuit died asked for a new one): a
     * pinned exit that cannot be reached is marked so, and the key's session says why, so a dead exit is noticed
     * from torgate's own circuits before the directory drops it.
     */
    void keyCircuitFailed(String key, PathRequest path, Throwable cause) {
        synchronized (lock) {
            if (path.pinned() && isReachability(cause)) {
                health.mark(path.exits().iterator().next(), cause.getMessage(), nanoClock.getAsLong());
            }
            for (Session s : sessions.values()) {
                if (s.circuitKey().equals(key)) {
                    s.problem = refusal(path, cause).detail();
                    break;
                }
            }
        }
    }

    /** Where a connection goes: its session's instance while that serves, else the selector's choice. */
    private Placed place(ConnectRequest request, Session s) throws RoutingException {
        List<Candidate> candidates = new ArrayList<>();
        Map<String, CircuitStack> stacks = new HashMap<>();
        CompletableFuture<?> opening = null;
        for (TorInstance i : pool.instances()) {
            if (!inService(i.state())) {
                continue;
            }
            Optional<CircuitStack> stack = circuits.stack(i.name());
            if (stack.isEmpty()) {
                opening = opening != null ? opening : circuits.opening(i.name()).orElse(null);
                continue;
            }
            stacks.put(i.name(), stack.get());
            candidates.add(new Candidate(i, liveTunnels(i.name())));
        }
        if (s != null && s.instance != null && stacks.containsKey(s.instance)) {
            TorInstance i = pool.instance(s.instance).orElseThrow();
            return new Placed(i, stacks.get(s.instance), null);
        }
        if (candidates.isEmpty()) {
            if (opening != null) {
                return new Placed(null, null, opening);
            }
            if (growing != null) {
                return new Placed(null, null, growing);
            }
            if (pool.canGrow() && pool.instances().stream().noneMatch(i -> i.state() == InstanceState.STARTING)) {
                return new Placed(null, null, grow("no instance is in service"));
            }
            if (pool.instances().stream().anyMatch(i -> i.state() == InstanceState.STARTING)) {
                throw new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready",
                        "no tor instance is ready yet (" + states() + ")");
            }
            throw noneReady();
        }
        Candidate chosen = selector.select(request, candidates);
        if (growAtTunnels > 0 && growing == null && pool.canGrow()
                && candidates.stream().allMatch(c -> c.liveTunnels() >= growAtTunnels)) {
            grow("every instance carries " + growAtTunnels + " tunnels or more");
        }
        return new Placed(chosen.instance(), stacks.get(chosen.name()), null);
    }

    private record Placed(TorInstance instance, CircuitStack stack, CompletableFuture<?> until) {
    }

    private CompletableFuture<TorInstance> grow(String why) {
        log.info("tor pool grows: {}", why);
        CompletableFuture<TorInstance> g = pool.addInstance();
        growing = g;
        g.whenComplete((i, e) -> {
            synchronized (lock) {
                if (growing == g) {
                    growing = null;
                }
            }
            if (e != null) {
                log.warn("tor pool could not grow: {}", unwrap(e).getMessage());
            }
        });
        return g;
    }

    private Session sessionFor(RouteRequest r, IsolationCredentials.Credential credential) {
        String key = Session.key(r.user(), r.session().orElseThrow());
        long now = nanoClock.getAsLong();
        Session s = sessions.get(key);
        if (s != null && s.expired(now)) {
            drop(s);
            s = null;
        } else if (s != null && !s.sameOptions(r)) {
            log.debug("{} comes with other exit options: starting it afresh", s);
            drop(s);
            s = null;
        }
        if (s == null) {
            s = new Session(key, r, credential.username(), credential.password(), now, Instant.now());
            sessions.put(key, s);
        }
        s.ttl = r.ttl();
        s.touch(now, Instant.now());
        return s;
    }

    /** The session's circuit is no longer its own (rotation, move, end). */
    void retireCircuit(Session s, boolean close) {
        if (s.instance != null) {
            circuits.stack(s.instance).ifPresent(st -> st.circuits().retire(s.circuitKey(), close));
        }
    }

    void drop(Session s) {
        retireCircuit(s, true);
        sessions.remove(s.key, s);
    }

    void sweep() {
        long now = nanoClock.getAsLong();
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (s.expired(now)) {
                retireCircuit(s, true);
                it.remove();
            }
        }
    }

    /** An instance left service: its tunnels die with its tor; its sessions keep their exits elsewhere. */
    List<Tunnel> instanceLeftService(TorInstance instance, String why) {
        synchronized (lock) {
            for (Session s : sessions.values()) {
                if (instance.name().equals(s.instance)) {
                    s.instance = null;
                    s.circuit = null;
                    log.debug("{} leaves {} ({}); it keeps its exit on another instance", s, instance.name(), why);
                }
            }
            Set<Tunnel> live = tunnels.get(instance.name());
            return live == null ? List.of() : List.copyOf(live);
        }
    }

    void established(Routed r, Tunnel tunnel) {
        synchronized (lock) {
            pending.merge(r.instance().name(), -1, Integer::sum);
            tunnels.computeIfAbsent(r.instance().name(), n -> new HashSet<>()).add(tunnel);
            Session s = r.session();
            if (s != null) {
                s.pending--;
                s.tunnels.add(tunnel);
                s.connections++;
                s.touch(nanoClock.getAsLong(), Instant.now());
            }
        }
    }

    void failed(Routed r, SocksReply reply, Throwable cause) {
        synchronized (lock) {
            pending.merge(r.instance().name(), -1, Integer::sum);
            if (r.oneShot()) {
                r.stack().circuits().retire(r.key(), true);
            }
            Session s = r.session();
            if (s != null) {
                s.pending--;
                s.touch(nanoClock.getAsLong(), Instant.now());
                // The client left, or the gateway routes it again: nothing wrong with the session. A problem already
                // named (its circuit could not be rebuilt through its exit, say) says more than the SOCKS failure.
                if (s.problem == null && !(cause instanceof ClosedChannelException)
                        && !(cause instanceof RetryRouteException)) {
                    s.problem = "a connection through " + r.instance().name() + " failed with " + reply
                            + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
                }
            }
        }
    }

    void closed(Routed r, Tunnel tunnel) {
        synchronized (lock) {
            Set<Tunnel> live = tunnels.get(r.instance().name());
            if (live != null) {
                live.remove(tunnel);
                if (live.isEmpty()) {
                    tunnels.remove(r.instance().name());
                }
            }
            if (r.oneShot()) {
                r.stack().circuits().retire(r.key(), true);
            }
            Session s = r.session();
            if (s != null) {
                s.tunnels.remove(tunnel);
                s.touch(nanoClock.getAsLong(), Instant.now());
            }
        }
    }

    /**
     * Whether tor carried the connection through the circuit's exit, checked from its STREAM SUCCEEDED event before
     * the client is answered. By construction it always does; a mismatch (tor attaching a stream itself, a bug) is
     * logged as an error, counted, and the connection routed again.
     */
    Optional<String> wrongExit(Routed r, StreamExit exit) {
        if (r.circuit() == null) {
            return Optional.empty(); // an onion service's rendezvous circuit has no exit to check
        }
        String fp = exit.exit().map(Hop::fingerprint).filter(f -> !f.isEmpty()).orElse(null);
        if (fp != null && (r.path().exits().isEmpty() || r.path().exits().contains(fp))) {
            return Optional.empty();
        }
        if (fp == null && exit.circuitId().equals(r.circuit().id())) {
            return Optional.empty();
        }
        String detail = "tor carried a connection meant for circuit " + r.circuit().id() + " (" + r.path().exits().size()
                + " allowed exit(s)) on " + r.instance().name() + " through " + (fp == null ? "a circuit of unknown path"
                : "exit $" + fp) + " (circuit " + exit.circuitId() + ")";
        log.error("{}; routing the connection again", detail);
        synchronized (lock) {
            wrongExits++;
        }
        return Optional.of(detail);
    }

    int liveTunnels(String instance) {
        synchronized (lock) {
            Set<Tunnel> live = tunnels.get(instance);
            return live == null ? 0 : live.size();
        }
    }

    /** Sessions whose circuit lives on each instance. */
    Map<String, Integer> sessionsPerInstance() {
        synchronized (lock) {
            Map<String, Integer> out = new HashMap<>();
            for (Session s : sessions.values()) {
                if (s.instance != null) {
                    out.merge(s.instance, 1, Integer::sum);
                }
            }
            return out;
        }
    }

    // ---- exits: what runs, what is gone, and what to tell the client ----

    String label(String fingerprint) {
        return catalog == null ? "$" + fingerprint : catalog.label(fingerprint);
    }

    /** Why an exit cannot be used now (not running per the directory, or its circuits fail); null if it can. */
    String whyExitGone(String fingerprint) {
        if (catalog != null && !catalog.isEmpty() && !catalog.isRunning(fingerprint)) {
            return catalog.whyNotRunning(fingerprint);
        }
        return health.unreachable(fingerprint, nanoClock.getAsLong())
                .map(reason -> "exit " + label(fingerprint) + " is unreachable: " + reason).orElse(null);
    }

    /** Running exits for a demand, without those whose circuits keep failing. */
    Set<String> usableExits(ExitDemand demand) {
        Set<String> out = new TreeSet<>(catalog.running(demand));
        long now = nanoClock.getAsLong();
        out.removeIf(fp -> health.unreachable(fp, now).isPresent());
        return out;
    }

    /** The refusal when {@link #usableExits} is empty: 0x04, naming what was asked for and why it is missing. */
    RoutingException noUsableExit(ExitDemand demand) {
        Set<String> running = catalog.running(demand);
        if (running.isEmpty()) {
            return catalog.noExitRunning(demand);
        }
        long now = nanoClock.getAsLong();
        List<String> reasons = new ArrayList<>();
        for (String fp : running) {
            health.unreachable(fp, now).ifPresent(r -> reasons.add("exit " + label(fp) + " is unreachable: " + r));
        }
        return new RoutingException(SocksReply.HOST_UNREACHABLE, demand.exit().isPresent() ? "exit_unreachable" : "no_exit_running",
                demand.exit().isPresent() ? String.join("; ", reasons)
                        : "no exit " + demand.describe() + " is reachable: " + String.join("; ", reasons));
    }

    /** What the client hears when its circuit could not be built. */
    private RoutingException refusal(PathRequest path, Throwable cause) {
        if (cause instanceof RoutingException e) {
            return e;
        }
        String detail = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (!(cause instanceof CircuitBuildException b)) {
            return new RoutingException(SocksReply.GENERAL_FAILURE, "circuit_failed", "no circuit: " + detail);
        }
        return switch (b.reason()) {
            // The user named an exit (or a group) whose policy refuses the port: a rule, not an outage.
            case "exit_rejects_port" -> new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "exit_policy_rejects", detail);
            case "no_exit" -> new RoutingException(SocksReply.HOST_UNREACHABLE, "no_exit_running", detail);
            case "no_guard", "no_middle" -> new RoutingException(SocksReply.GENERAL_FAILURE, "no_path", detail);
            default -> path.pinned()
                    ? new RoutingException(SocksReply.HOST_UNREACHABLE, "exit_unreachable",
                            "exit " + label(path.exits().iterator().next()) + " is unreachable: " + detail)
                    : new RoutingException(SocksReply.GENERAL_FAILURE, "circuit_failed", detail);
        };
    }

    /** A build that failed for the network's sake (not for a rule): the exit may be down. */
    private static boolean isReachability(Throwable cause) {
        return cause instanceof CircuitBuildException b && !b.reason().equals("exit_rejects_port")
                && !b.reason().equals("no_guard") && !b.reason().equals("no_middle");
    }

    RoutingException problem(Session s, RoutingException e) {
        s.problem = e.detail();
        return e;
    }

    private RoutingException noneReady() {
        return new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready", "no tor instance is ready (" + states() + ")");
    }

    private String states() {
        StringBuilder out = new StringBuilder();
        for (TorInstance i : pool.instances()) {
            out.append(out.length() == 0 ? "" : ", ").append(i.name()).append(' ').append(i.state());
        }
        return out.toString();
    }

    /**
     * An onion destination is refused before tor is asked when exit options come with it (an onion service is
     * reached through rendezvous circuits, not an exit: 0x02) or when its name is malformed (0x04).
     */
    private static void refuseOnion(ConnectRequest request, ExitDemand demand) throws RoutingException {
        if (!demand.isAny()) {
            throw new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "onion_exit_options",
                    "exit options (country, exclude, exit) do not apply to onion services: they are reached through"
                            + " tor's rendezvous circuits, not an exit");
        }
        Optional<String> bad = OnionAddress.problem(request.destination().host());
        if (bad.isPresent()) {
            throw new RoutingException(SocksReply.HOST_UNREACHABLE, "onion_name_invalid", bad.get());
        }
    }

    /** A {@code .onion} destination: tor reaches it through rendezvous circuits of its own. */
    static boolean isOnion(ConnectRequest request) {
        String host = request.destination().host();
        return host != null && host.toLowerCase(java.util.Locale.ROOT).endsWith(".onion");
    }

    static boolean inService(InstanceState s) {
        return s == InstanceState.READY || s == InstanceState.DEGRADED;
    }

    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
