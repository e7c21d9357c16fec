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
 * Routes each new tunnel to an instance of a {@link TorPool} whose exit profile fits the request, re-profiling
 * an idle instance or starting a new one when none does (see {@link ExitProfile}).
 * <ul>
 *   <li>{@code country-…} / {@code exclude-…}: an instance whose {@code ExitNodes} are the running exits of
 *       that group, by fingerprint from the {@link NodeDirectory}. None running: refused with 0x04
 *       {@code no_exit_running} ("no exit in [de] is running", 502 over HTTP).</li>
 *   <li>{@code exit-FP} and strict sessions: an instance whose only exit is that relay. A strict session keeps
 *       exactly its exit; when the relay is gone its connections fail with 0x04 {@code session_exit_gone}
 *       and the session says why — never a silent switch.</li>
 *   <li>Flexible sessions ride their own circuit (IsolateSOCKSAuth) on a group instance while it lives; when
 *       it would not serve again they are held on their exit with a one-exit instance, or moved to another
 *       exit of the group if theirs is gone.</li>
 *   <li>{@code rotate-each}: a fresh isolation credential, hence a fresh circuit, per connection.</li>
 * </ul>
 * Every tunnel's exit is learned from the instance's STREAM events and checked against the profile it was
 * routed under; a tunnel that left through any other exit is closed. Sessions are listed, rotated and removed
 * through {@link #sessions()}.
 * <p>
 * Without a directory ({@link #TorPoolRouter(TorPool)}), requests naming countries or exits are refused with
 * 0x02, and sessions keep the exit they first used by pinning it.
 * <p>
 * Non-blocking: {@link #route} and the observers run on Netty event loops; a route that needs a re-profiled or
 * new instance completes when it is ready.
 */
public final class TorPoolRouter implements Router {

    private static final Logger log = LoggerFactory.getLogger(TorPoolRouter.class);

    /** How long to wait for a tunnel's STREAM SUCCEEDED event before giving up on naming its exit. */
    static final Duration EXIT_LEARNING_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The gateway cancels its watch of a connection when the attempt ends (within its connect timeout); this
     * only bounds a watch nobody cancelled, so it never leaves a waiter in the stream tracker for good.
     */
    static final Duration WATCH_LIMIT = Duration.ofMinutes(10);

    private final TorPool pool;
    private final IsolationCredentials isolation;
    private final ExitRouting routing;
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
        this.routing = new ExitRouting(pool, b.directory == null ? null : new ExitCatalog(b.directory), b.selector,
                System::nanoTime, new SecureRandom());
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

    /** Each instance's exit profile right now, by instance name. */
    public Map<String, ExitProfile> profiles() {
        return routing.profiles();
    }

    public void addExitListener(ExitListener listener) {
        exitListeners.add(listener);
    }

    /**
     * Connections tor carried through an exit outside the profile they were routed under, rejected before their
     * client was answered (their circuits closed, the clients routed again). Tor should never do this; a
     * non-zero value is worth a look at the tor logs.
     */
    public long wrongExitsRejected() {
        return routing.wrongExits();
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

    /** Watches one routed tunnel: counts it against its instance and session, learns and checks its exit. */
    private final class Observer implements TunnelObserver {
        private final ExitRouting.Routed routed;
        private final long routedAtNanos;
        /** The exit future {@link #admit} waited on, reused once the tunnel is established. */
        private volatile CompletableFuture<StreamExit> admittedExit;

        Observer(ExitRouting.Routed routed, long routedAtNanos) {
            this.routed = routed;
            this.routedAtNanos = routedAtNanos;
        }

        /**
         * Connections that ask for particular exits, and sessions, are answered only once tor's choice is known
         * and checked ({@link ExitRouting#admit}); tor reports it (STREAM SUCCEEDED) as it answers the SOCKS
         * CONNECT, so the wait is short. Connections for any exit without a session go ahead at once and their
         * exit is learned afterwards.
         */
        @Override
        public CompletionStage<Void> admit(InetSocketAddress upstreamLocal) {
            if (upstreamLocal == null || routed.profile().kind() == ExitProfile.Kind.ANY && routed.session() == null) {
                return CompletableFuture.completedFuture(null);
            }
            TorInstance instance = routed.slot().instance;
            CompletableFuture<StreamExit> exit = exitOf(instance, upstreamLocal);
            admittedExit = exit;
            return exit.thenCompose(e -> {
                ExitRouting.Admission a = routing.admit(routed, e);
                if (a.ok()) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                RetryRouteException retry = new RetryRouteException(a.reason(), a.detail());
                if (a.closeCircuit() == null || instance.control().isEmpty()) {
                    return CompletableFuture.<Void>failedFuture(retry);
                }
                // Closed before routing again, or tor could attach the retry to the same circuit.
                return instance.control().get().closeCircuit(a.closeCircuit())
                        .handle((v, closeError) -> { throw retry; });
            });
        }

        /**
         * Watches tor's STREAM events for this connection: the first time an exit says it could not resolve the
         * name, the gateway answers the client at once ({@link ExitVerdict}) instead of waiting for tor to try
         * other exits.
         */
        @Override
        public CompletionStage<UpstreamCause> watch(InetSocketAddress upstreamLocal) {
            if (upstreamLocal == null) {
                return null;
            }
            CompletableFuture<Optional<String>> end = routed.slot().instance
                    .remoteEndFor(upstreamLocal.getPort(), routedAtNanos)
                    .orTimeout(WATCH_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture<UpstreamCause> cause = end.thenApply(r -> r.flatMap(ExitVerdict::of).orElse(null));
            cause.whenComplete((v, e) -> end.cancel(false)); // the gateway's cancel reaches the tracker's waiter
            return cause;
        }

        @Override
        public void established(Tunnel tunnel) {
            TorInstance instance = routed.slot().instance;
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
            routing.exitLearned(routed, e);
            for (ExitListener l : exitListeners) {
                try {
                    l.exitLearned(tunnel, instance, e);
                } catch (RuntimeException ex) {
                    log.warn("exit listener failed", ex);
                }
            }
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
            return routing.sessions().list();
        }

        @Override
        public Optional<SessionInfo> get(String user, String session) {
            return routing.sessions().get(Objects.requireNonNull(user, "user"), Objects.requireNonNull(session, "session"));
        }

        @Override
        public CompletableFuture<Rotation> rotate(String user, String session) {
            return routing.sessions().rotate(Objects.requireNonNull(user, "user"), Objects.requireNonNull(session, "session"));
        }

        @Override
        public boolean remove(String user, String session) {
            Optional<List<Tunnel>> tunnels = routing.sessions().remove(Objects.requireNonNull(user, "user"),
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

        public TorPoolRouter build() {
            return new TorPoolRouter(this);
        }
    }

    @Override
    public String toString() {
        return "TorPoolRouter[" + pool.instances().size() + " instances, max " + pool.maxSize() + "]";
    }
}
