package io.torgate.torpool.pool;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.Mode;
import io.torgate.gateway.Route;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.Router;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.gateway.TunnelObserver;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each new tunnel to a READY instance of a {@link TorPool}: sticky sessions keep their instance while
 * it is READY (strict sessions fail rather than move; flexible ones move), other requests go where the
 * {@link InstanceSelector} says (fewest live tunnels by default). Each route carries an isolation credential
 * derived from user, session and options, so tor's IsolateSOCKSAuth keeps them on separate circuits.
 * <p>
 * The router watches every tunnel it routed: when an instance leaves service (RESTARTING, STOPPED, FAILED)
 * its tunnels are closed at once instead of hanging on a dead SOCKS port, and the exit that carried each
 * tunnel is learned from the instance's STREAM events ({@link #exitOf(long)}).
 * <p>
 * Everything here is non-blocking: {@link #route} and the observers run on Netty event loops.
 */
public final class TorPoolRouter implements Router {

    private static final Logger log = LoggerFactory.getLogger(TorPoolRouter.class);

    /** How long to wait for a tunnel's STREAM SUCCEEDED event before giving up on naming its exit. */
    static final Duration EXIT_LEARNING_TIMEOUT = Duration.ofSeconds(30);

    private final TorPool pool;
    private final IsolationCredentials isolation;
    private final InstanceSelector selector;
    private final SessionAffinity sessions = new SessionAffinity(System::nanoTime);
    private final Map<String, Set<Tunnel>> tunnelsByInstance = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<StreamExit>> exitsByTunnel = new ConcurrentHashMap<>();
    private final List<ExitListener> exitListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public TorPoolRouter(TorPool pool) {
        this(pool, IsolationCredentials.withRandomSecret(), new FewestTunnelsSelector());
    }

    public TorPoolRouter(TorPool pool, IsolationCredentials isolation, InstanceSelector selector) {
        this.pool = pool;
        this.isolation = isolation;
        this.selector = selector;
        for (TorInstance i : pool.instances()) {
            tunnelsByInstance.put(i.name(), ConcurrentHashMap.newKeySet());
        }
        pool.addPoolListener(new PoolListener() {
            @Override
            public void instanceAdded(TorInstance instance) {
                tunnelsByInstance.putIfAbsent(instance.name(), ConcurrentHashMap.newKeySet());
            }
        });
        pool.addListener((instance, from, to, reason) -> {
            if (!inService(to)) {
                closeTunnels(instance, "tor instance '" + instance.name() + "' is " + to + ": " + reason);
            }
        });
    }

    /** States in which an instance's tor runs and its tunnels may live (DEGRADED still carries traffic). */
    private static boolean inService(InstanceState s) {
        return s == InstanceState.READY || s == InstanceState.DEGRADED;
    }

    @Override
    public CompletionStage<Route> route(ConnectRequest request) {
        long routedAt = System.nanoTime();
        try {
            TorInstance chosen = choose(request);
            InetSocketAddress socks = chosen.socksAddress().orElseThrow(() -> noneReady());
            IsolationCredentials.Credential credential = isolation.forRequest(request.route());
            return CompletableFuture.completedFuture(Route.socks5(socks, credential.username(), credential.password())
                    .withObserver(new Observer(chosen, routedAt)));
        } catch (RoutingException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private TorInstance choose(ConnectRequest request) throws RoutingException {
        List<Candidate> ready = new ArrayList<>();
        for (TorInstance i : pool.instances()) {
            if (i.state() == InstanceState.READY && i.socksAddress().isPresent()) {
                ready.add(new Candidate(i, liveTunnels(i.name())));
            }
        }
        if (ready.isEmpty()) {
            throw noneReady();
        }
        RouteRequest r = request.route();
        if (r.session().isEmpty() || r.rotateEach()) {
            return selector.select(request, ready).instance();
        }
        String key = SessionAffinity.key(r.user(), r.session().get());
        Optional<String> bound = sessions.lookup(key, r.ttl());
        if (bound.isPresent()) {
            for (Candidate c : ready) {
                if (c.name().equals(bound.get())) {
                    return c.instance();
                }
            }
            if (r.mode() == Mode.STRICT) {
                throw new RoutingException(SocksReply.NETWORK_UNREACHABLE, "session_instance_unavailable",
                        "the tor instance of this strict session is not ready; strict sessions do not move");
            }
        }
        TorInstance picked = selector.select(request, ready).instance();
        sessions.bind(key, picked.name(), r.ttl());
        return picked;
    }

    private RoutingException noneReady() {
        return new RoutingException(SocksReply.GENERAL_FAILURE, "no_tor_ready", "no tor instance is ready ("
                + pool.instances().stream().map(i -> i.name() + " " + i.state()).reduce((a, b) -> a + ", " + b).orElse("")
                + ")");
    }

    public void addExitListener(ExitListener listener) {
        exitListeners.add(listener);
    }

    /** Established tunnels through this instance that have not closed yet. */
    public int liveTunnels(String instance) {
        Set<Tunnel> set = tunnelsByInstance.get(instance);
        return set == null ? 0 : set.size();
    }

    /**
     * The exit that carries a live tunnel, learned from tor's STREAM events (completes when tor reports the
     * stream SUCCEEDED); empty for unknown or closed tunnels.
     */
    public Optional<CompletableFuture<StreamExit>> exitOf(long tunnelId) {
        return Optional.ofNullable(exitsByTunnel.get(tunnelId));
    }

    private void closeTunnels(TorInstance instance, String why) {
        Set<Tunnel> set = tunnelsByInstance.get(instance.name());
        if (set == null || set.isEmpty()) {
            return;
        }
        List<Tunnel> victims = List.copyOf(set);
        log.info("closing {} tunnel(s) of {}", victims.size(), why);
        for (Tunnel t : victims) {
            t.close(why);
        }
    }

    /** Watches one routed tunnel: counts it against its instance and learns its exit. */
    private final class Observer implements TunnelObserver {
        private final TorInstance instance;
        private final long routedAtNanos;

        Observer(TorInstance instance, long routedAtNanos) {
            this.instance = instance;
            this.routedAtNanos = routedAtNanos;
        }

        @Override
        public void established(Tunnel tunnel) {
            tunnelsByInstance.computeIfAbsent(instance.name(), n -> ConcurrentHashMap.newKeySet()).add(tunnel);
            InetSocketAddress local = tunnel.upstreamLocalAddress();
            if (local != null) {
                CompletableFuture<StreamExit> exit = instance.exitFor(local.getPort(), routedAtNanos)
                        .orTimeout(EXIT_LEARNING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                exitsByTunnel.put(tunnel.id(), exit);
                exit.thenAccept(e -> exitListeners.forEach(l -> {
                    try {
                        l.exitLearned(tunnel, instance, e);
                    } catch (RuntimeException ex) {
                        log.warn("exit listener failed", ex);
                    }
                }));
            }
            if (!inService(instance.state())) {
                // The instance died between routing and now; its listener may already have run.
                tunnel.close("tor instance '" + instance.name() + "' is " + instance.state());
            }
        }

        @Override
        public void closed(Tunnel tunnel) {
            Set<Tunnel> live = tunnelsByInstance.get(instance.name());
            if (live != null) {
                live.remove(tunnel);
            }
            CompletableFuture<StreamExit> exit = exitsByTunnel.remove(tunnel.id());
            if (exit != null && !exit.isDone()) {
                exit.cancel(false); // also drops its waiter in the stream tracker
            }
        }
    }

    @Override
    public String toString() {
        return "TorPoolRouter[" + pool.instances().size() + " instances]";
    }
}
