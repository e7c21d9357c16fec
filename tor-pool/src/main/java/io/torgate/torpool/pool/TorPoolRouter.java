package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.RetryRouteException;
import io.torgate.gateway.Route;
import io.torgate.gateway.Router;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.gateway.TunnelObserver;
import io.torgate.gateway.UpstreamCause;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.circuit.AttachedStreams;
import io.torgate.torpool.circuit.CircuitStack;
import io.torgate.torpool.circuit.InstanceCircuits;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import io.torgate.torpool.session.Sessions;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each new tunnel through a circuit torgate builds on one instance of a {@link TorPool}: any instance
 * serves every exit, country, pinned exit and session at the same time ({@link CircuitRouting}). Every instance
 * gets a {@link CircuitStack} ({@link PoolCircuits}) that builds circuits by tor's path rules and attaches each
 * stream to its isolation key's circuit.
 * <ul>
 *   <li>{@code country-…} / {@code exclude-…}: a circuit through one of the running exits of that group, by
 *       fingerprint from the {@link NodeDirectory}. None running: refused with 0x04 {@code no_exit_running}.</li>
 *   <li>{@code exit-FP}: a circuit through that relay; a relay whose policy rejects the port is refused with 0x02
 *       {@code exit_policy_rejects}.</li>
 *   <li>Sessions ride one circuit of their own. A strict session keeps exactly its exit; when the relay is gone its
 *       connections fail with 0x04 {@code session_exit_gone} and the session says why — never a silent switch. A
 *       flexible one keeps its exit while it runs, then moves within its group and says why.</li>
 *   <li>{@code rotate-each}: a fresh circuit per connection.</li>
 * </ul>
 * Every tunnel's exit is also checked from the instance's STREAM events before the client is answered (by
 * construction it is the circuit's; anything else is rejected, counted and logged as an error).
 * <p>
 * Without a directory ({@link #TorPoolRouter(TorPool)}), requests naming countries or exits are refused with
 * 0x02; sessions keep the exit of their first circuit.
 * <p>
 * Non-blocking: {@link #route} and the observers run on Netty event loops; a route completes once its circuit is
 * built (at once when a warm one fits).
 */
public final class TorPoolRouter implements Router, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TorPoolRouter.class);

    /** How long to wait for a tunnel's STREAM SUCCEEDED event before giving up on naming its exit. */
    static final Duration EXIT_LEARNING_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The gateway cancels its watch of a connection when the attempt ends (within its connect timeout); this
     * only bounds a watch nobody cancelled, so it never leaves a waiter in the stream tracker for good.
     */
    static final Duration WATCH_LIMIT = Duration.ofMinutes(10);
    public static final int DEFAULT_WARM_CIRCUITS = 2;
    public static final int MAX_WARM_CIRCUITS = 32;
    public static final int DEFAULT_WARM_GROUPS = 16;
    public static final int DEFAULT_GROW_AT_TUNNELS = 512;

    private final TorPool pool;
    private final IsolationCredentials isolation;
    private final PoolCircuits circuits;
    private final CircuitRouting routing;
    private final SessionControl sessionControl;
    private final Map<Long, CompletableFuture<StreamExit>> exitsByTunnel = new ConcurrentHashMap<>();
    private final List<ExitListener> exitListeners = new CopyOnWriteArrayList<>();
    private final Sessions sessions = new SessionsView();
    /** Attached to the directory (when there is one), so routing never picks an exit tor's consensus lacks. */
    final PoolConsensusView consensusView;

    /** Any-exit routing only (no node directory), random isolation secret, fewest-tunnels selection. */
    public TorPoolRouter(TorPool pool) {
        this(builder(pool));
    }

    public TorPoolRouter(TorPool pool, IsolationCredentials isolation, InstanceSelector selector) {
        this(builder(pool).isolation(isolation).selector(selector));
    }

    private TorPoolRouter(Builder b) {
        this.pool = b.pool;
        this.isolation = b.isolation != null ? b.isolation : IsolationCredentials.withRandomSecret();
        if (b.directory != null && b.crossCheckConsensus) {
            this.consensusView = new PoolConsensusView(pool, System::nanoTime);
            b.directory.attachConsensus(consensusView);
        } else {
            this.consensusView = null;
        }
        CircuitRouting[] routingRef = new CircuitRouting[1];
        this.circuits = new PoolCircuits(pool, b.circuitSettings, stack -> {
            CircuitRouting r = routingRef[0];
            if (r != null) {
                r.opened(stack);
            }
        });
        WarmGroups warm = new WarmGroups(b.warmCircuits, b.warmGroups, circuits::open);
        this.routing = new CircuitRouting(pool, circuits, b.directory == null ? null : new ExitCatalog(b.directory),
                b.selector, System::nanoTime, new SecureRandom(), warm, b.growAtTunnels);
        routingRef[0] = routing;
        circuits.open().forEach(routing::opened); // stacks that opened before the routing existed
        this.sessionControl = new SessionControl(routing, circuits, pool);
        pool.addListener((instance, from, to, reason) -> {
            if (!inService(to)) {
                closeTunnels(instance, routing.instanceLeftService(instance, reason),
                        "tor instance '" + instance.name() + "' is " + to + ": " + reason);
            }
        });
    }

    public static Builder builder(TorPool pool) {
        return new Builder(pool);
    }

    /** States in which an instance's tor runs and its tunnels may live (DEGRADED still carries traffic). */
    private static boolean inService(InstanceState s) {
        return s == InstanceState.READY || s == InstanceState.DEGRADED;
    }

    @Override
    public CompletionStage<Route> route(ConnectRequest request) {
        long routedAt = System.nanoTime();
        IsolationCredentials.Credential credential = isolation.forRequest(request.route());
        // Our own tor instances: greeting, login and CONNECT go to their SocksPort in one write (one round trip).
        return routing.route(request, credential).thenApply(r -> Route.socks5(r.socks(), r.username(), r.password())
                .withPipelinedHandshake().withObserver(new Observer(r, routedAt)));
    }

    /** The sticky sessions: list, get, rotate, remove. */
    public Sessions sessions() {
        return sessions;
    }

    /** The circuit machinery of every instance in service (for metrics and tests). */
    public PoolCircuits circuits() {
        return circuits;
    }

    /** Sessions whose circuit lives on each instance of the pool (0 for none), by instance name. */
    public Map<String, Integer> sessionsPerInstance() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        pool.instances().forEach(i -> out.put(i.name(), 0));
        out.putAll(routing.sessionsPerInstance());
        return out;
    }

    /** Circuits by state on each instance of the pool (all 0 while its circuit machinery is not up). */
    public Map<String, InstanceCircuits.Counts> circuitCounts() {
        Map<String, InstanceCircuits.Counts> out = new java.util.TreeMap<>();
        for (TorInstance i : pool.instances()) {
            out.put(i.name(), circuits.stack(i.name()).map(st -> st.circuits().counts())
                    .orElse(new InstanceCircuits.Counts(0, 0, 0)));
        }
        return out;
    }

    /** Built, unused circuits per exit group, all instances together ("any" always listed). */
    public Map<String, Integer> warmByGroup() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        out.put(WarmGroups.ANY, 0);
        for (CircuitStack st : circuits.open()) {
            st.circuits().warmByGroup().forEach((g, n) -> out.merge(g, n, Integer::sum));
        }
        return out;
    }

    /** Stops the circuit machinery (the pool's tors are the caller's to stop). */
    @Override
    public void close() {
        circuits.close();
    }

    public void addExitListener(ExitListener listener) {
        exitListeners.add(listener);
    }

    /**
     * Connections tor carried through an exit other than their circuit's, rejected before their client was
     * answered (the clients routed again). By construction this never happens; a non-zero value is a bug.
     */
    public long wrongExitsRejected() {
        synchronized (routing.lock) {
            return routing.wrongExits;
        }
    }

    /** Established tunnels through this instance that have not closed yet. */
    public int liveTunnels(String instance) {
        return routing.liveTunnels(instance);
    }

    /**
     * The exit that carries a live tunnel, learned from tor's STREAM events (completes when tor reports the
     * stream SUCCEEDED); empty for unknown or closed tunnels.
     */
    public Optional<CompletableFuture<StreamExit>> exitOf(long tunnelId) {
        return Optional.ofNullable(exitsByTunnel.get(tunnelId));
    }

    private static void closeTunnels(TorInstance instance, List<Tunnel> victims, String why) {
        if (victims.isEmpty()) {
            return;
        }
        log.info("closing {} tunnel(s) of {}", victims.size(), why);
        for (Tunnel t : victims) {
            t.close(why);
        }
    }

    /** Watches one routed tunnel: counts it against its instance and session, checks and reports its exit. */
    private final class Observer implements TunnelObserver {
        private final CircuitRouting.Routed routed;
        private final long routedAtNanos;
        /** The exit future {@link #admit} waited on, reused once the tunnel is established. */
        private volatile CompletableFuture<StreamExit> admittedExit;

        Observer(CircuitRouting.Routed routed, long routedAtNanos) {
            this.routed = routed;
            this.routedAtNanos = routedAtNanos;
        }

        /**
         * Connections that ask for particular exits, and sessions, are answered only once tor confirmed that their
         * stream went down their circuit: the attachment ({@code ATTACHSTREAM} answered 250) to the route's circuit
         * (or the key's rebuilt one) is known before tor even answers the SOCKS CONNECT, so this rarely waits. Any
         * other circuit falls back to the exit tor reports for the stream (STREAM SUCCEEDED), checked against the
         * route ({@link CircuitRouting#wrongExit}). Connections for any exit without a session go ahead at once;
         * every tunnel's exit is checked again when SUCCEEDED arrives ({@link #established}).
         */
        @Override
        public CompletionStage<Void> admit(InetSocketAddress upstreamLocal) {
            if (upstreamLocal == null || routed.circuit() == null
                    || routed.path().exits().isEmpty() && routed.session() == null) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<AttachedStreams.Attached> attached = routed.stack().attached()
                    .attachedFrom(upstreamLocal.getPort(), routedAtNanos)
                    .orTimeout(EXIT_LEARNING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return attached.thenCompose(a -> {
                boolean ours = a.circuitId().equals(routed.circuit().id()) || routed.stack().circuits()
                        .circuitOf(routed.key()).filter(c -> c.id().equals(a.circuitId()))
                        .map(c -> routed.path().exits().isEmpty()
                                || routed.path().exits().contains(c.path().exit().fingerprint()))
                        .orElse(false);
                if (ours) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                CompletableFuture<StreamExit> exit = exitOf(routed.instance(), upstreamLocal);
                admittedExit = exit;
                return exit.thenCompose(e -> routing.wrongExit(routed, e)
                        .<CompletableFuture<Void>>map(w -> CompletableFuture.failedFuture(new RetryRouteException("exit_outside_route", w)))
                        .orElseGet(() -> CompletableFuture.completedFuture(null)));
            });
        }

        /**
         * Watches tor's STREAM events for this connection: the first time an exit says it could not resolve the
         * name, the gateway answers the client at once ({@link ExitVerdict}) instead of waiting for tor.
         */
        @Override
        public CompletionStage<UpstreamCause> watch(InetSocketAddress upstreamLocal) {
            if (upstreamLocal == null) {
                return null;
            }
            CompletableFuture<Optional<String>> end = routed.instance()
                    .remoteEndFor(upstreamLocal.getPort(), routedAtNanos)
                    .orTimeout(WATCH_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            // torgate itself closed the stream instead of attaching it: its circuit could not be (re)built.
            CompletableFuture<AttachedStreams.Refused> refused = routed.stack().attached()
                    .refusedFrom(upstreamLocal.getPort(), routedAtNanos)
                    .orTimeout(WATCH_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture<UpstreamCause> cause = new CompletableFuture<>();
            end.whenComplete((r, e) -> cause.complete(r == null ? null : r.flatMap(ExitVerdict::of).orElse(null)));
            refused.thenAccept(r -> cause.complete(UpstreamCause.NO_CIRCUIT));
            cause.whenComplete((v, e) -> {
                end.cancel(false); // the gateway's cancel reaches the tracker's waiter
                refused.cancel(false);
            });
            return cause;
        }

        @Override
        public void established(Tunnel tunnel) {
            TorInstance instance = routed.instance();
            routing.established(routed, tunnel);
            InetSocketAddress local = tunnel.upstreamLocalAddress();
            CompletableFuture<StreamExit> exit = admittedExit;
            if (exit == null && local != null) {
                exit = exitOf(instance, local);
            }
            if (exit != null) {
                exitsByTunnel.put(tunnel.id(), exit);
                exit.thenAccept(e -> learned(tunnel, instance, e));
            }
            if (!inService(instance.state())) {
                // The instance died between routing and now; its listener may already have run.
                tunnel.close("tor instance '" + instance.name() + "' is " + instance.state());
            }
        }

        /** The exit of this connection's stream, from tor's events; it times out if tor never reports it. */
        private CompletableFuture<StreamExit> exitOf(TorInstance instance, InetSocketAddress upstreamLocal) {
            return instance.exitFor(upstreamLocal.getPort(), routedAtNanos)
                    .orTimeout(EXIT_LEARNING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void learned(Tunnel tunnel, TorInstance instance, StreamExit e) {
            if (routing.wrongExit(routed, e).isPresent()) {
                tunnel.close("its stream left through an exit its route does not allow");
                return;
            }
            for (ExitListener l : exitListeners) {
                try {
                    l.exitLearned(tunnel, instance, e);
                } catch (RuntimeException ex) {
                    log.warn("exit listener failed", ex);
                }
            }
        }

        /** tor's extended errors (onion services) in words; every other code passes through. */
        @Override
        public Optional<io.torgate.gateway.RoutingException> explainReply(int code) {
            return OnionErrors.explain(code);
        }

        @Override
        public void failed(SocksReply reply, Throwable cause) {
            routing.failed(routed, reply, cause);
        }

        @Override
        public void closed(Tunnel tunnel) {
            routing.closed(routed, tunnel);
            CompletableFuture<StreamExit> exit = exitsByTunnel.remove(tunnel.id());
            if (exit != null && !exit.isDone()) {
                exit.cancel(false); // also drops its waiter in the stream tracker
            }
        }
    }

    private final class SessionsView implements Sessions {
        @Override
        public List<SessionInfo> list() {
            return sessionControl.list();
        }

        @Override
        public Optional<SessionInfo> get(String user, String session) {
            return sessionControl.get(Objects.requireNonNull(user, "user"), Objects.requireNonNull(session, "session"));
        }

        @Override
        public CompletableFuture<Rotation> rotate(String user, String session) {
            return sessionControl.rotate(Objects.requireNonNull(user, "user"), Objects.requireNonNull(session, "session"));
        }

        @Override
        public boolean remove(String user, String session) {
            Optional<List<Tunnel>> tunnels = sessionControl.remove(Objects.requireNonNull(user, "user"),
                    Objects.requireNonNull(session, "session"));
            tunnels.ifPresent(list -> list.forEach(t -> t.close("session " + session + " of " + user + " was removed")));
            return tunnels.isPresent();
        }
    }

    /** Settings of a {@link TorPoolRouter}; only the pool is required. */
    public static final class Builder {
        private final TorPool pool;
        private NodeDirectory directory;
        private boolean crossCheckConsensus = true;
        private IsolationCredentials isolation;
        private InstanceSelector selector = new FewestTunnelsSelector();
        private int warmCircuits = DEFAULT_WARM_CIRCUITS;
        private int warmGroups = DEFAULT_WARM_GROUPS;
        private int growAtTunnels = DEFAULT_GROW_AT_TUNNELS;
        private CircuitStack.Settings circuitSettings = CircuitStack.Settings.defaults();

        private Builder(TorPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
        }

        /**
         * Enables exit selection (countries, exclusions, exit relays) and exit details on sessions. Unless
         * {@link #crossCheckConsensus(boolean) turned off}, the router attaches a view of its tors' consensus to
         * the directory ({@link NodeDirectory#attachConsensus}, replacing any view attached before), so exits
         * that Onionoo lists but tor's consensus does not are never chosen.
         */
        public Builder directory(NodeDirectory directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Whether to attach the pool's consensus view to the directory (default true). */
        public Builder crossCheckConsensus(boolean enabled) {
            this.crossCheckConsensus = enabled;
            return this;
        }

        /** The isolation secret (default: a random one per router). */
        public Builder isolation(IsolationCredentials isolation) {
            this.isolation = Objects.requireNonNull(isolation, "isolation");
            return this;
        }

        /** Picks among instances that fit equally well (default: fewest live tunnels). */
        public Builder selector(InstanceSelector selector) {
            this.selector = Objects.requireNonNull(selector, "selector");
            return this;
        }

        /**
         * Built, unused circuits each instance keeps per exit group ("any", and each recently asked country group),
         * so a new session or country does not wait for a circuit build; 0 turns warming off. Default
         * {@value #DEFAULT_WARM_CIRCUITS}, at most {@value #MAX_WARM_CIRCUITS}.
         */
        public Builder warmCircuits(int perGroup) {
            if (perGroup < 0 || perGroup > MAX_WARM_CIRCUITS) {
                throw new IllegalArgumentException("warm circuits must be 0.." + MAX_WARM_CIRCUITS + ", not " + perGroup);
            }
            this.warmCircuits = perGroup;
            return this;
        }

        /** How many country groups are kept warm besides "any" (the most recently asked); default {@value #DEFAULT_WARM_GROUPS}. */
        public Builder warmGroups(int groups) {
            if (groups < 0 || groups > 256) {
                throw new IllegalArgumentException("warm groups must be 0..256, not " + groups);
            }
            this.warmGroups = groups;
            return this;
        }

        /**
         * The pool grows (while it may) once every instance carries this many live tunnels: instances exist for
         * load, never for routes. 0: grow only when no instance is in service. Default {@value #DEFAULT_GROW_AT_TUNNELS}.
         */
        public Builder growAtTunnels(int tunnels) {
            if (tunnels < 0) {
                throw new IllegalArgumentException("grow-at tunnels must be >= 0, not " + tunnels);
            }
            this.growAtTunnels = tunnels;
            return this;
        }

        /** Circuit build and stream attach timeouts (default {@link CircuitStack.Settings#defaults()}). */
        public Builder circuitSettings(CircuitStack.Settings settings) {
            this.circuitSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public TorPoolRouter build() {
            return new TorPoolRouter(this);
        }
    }

    @Override
    public String toString() {
        return "TorPoolRouter[" + pool.instances().size() + " instances, up to " + pool.maxSize() + "]";
    }
}
