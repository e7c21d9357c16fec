package io.torgate.control.policy;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Route;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.Router;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.gateway.TunnelObserver;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each user's {@link UserPolicy} in front of the real router (the pool, or direct / socks5): lays the
 * username over the user's defaults ({@link PolicyLayering}), checks the countries ({@link CountryPolicy}), the
 * live tunnels ({@code max_tunnels}) and sessions ({@code max_sessions}), then hands the inner router a
 * request carrying the effective options. A refusal is a {@link io.torgate.gateway.RoutingException}: SOCKS5
 * {@code 0x02} / HTTP {@code 403} with the reason, counted by the gateway's listener.
 * <p>
 * Tunnels and sessions are counted from the moment a connection passes the policy until the gateway reports
 * the route unused, failed or closed (through the route's {@link TunnelObserver}, chained after the inner
 * router's own). Counting happens for every user, limited or not, so a limit added by a reload counts the
 * tunnels already open. {@link #update(Policies)} swaps the policies in one step; live tunnels are untouched.
 */
public final class PolicyRouter implements Router {

    private static final Logger log = LoggerFactory.getLogger(PolicyRouter.class);

    private final Router inner;
    private final RelayCountries relays;
    private final SessionCounter sessions;
    private final LiveTunnels tunnels = new LiveTunnels();
    private volatile Policies policies;

    public PolicyRouter(Router inner, Policies initial, RelayCountries relays, SessionCounter sessions) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.policies = Objects.requireNonNull(initial, "initial");
        this.relays = Objects.requireNonNull(relays, "relays");
        this.sessions = Objects.requireNonNull(sessions, "sessions");
    }

    public PolicyRouter(Router inner, Policies initial, RelayCountries relays) {
        this(inner, initial, relays, new SessionTable());
    }

    /** Replaces the policies for connections routed from now on. */
    public void update(Policies next) {
        this.policies = Objects.requireNonNull(next, "next");
    }

    public Policies policies() {
        return policies;
    }

    /** The router behind the policy. */
    public Router inner() {
        return inner;
    }

    /** Tunnels of the user now connecting or established through this router. */
    public int liveTunnels(String user) {
        return tunnels.live(user);
    }

    /** Sessions of the user live now. */
    public int liveSessions(String user) {
        return sessions.liveSessions(user);
    }

    @Override
    public CompletionStage<Route> route(ConnectRequest request) {
        RouteRequest asked = request.route();
        String user = asked.user();
        Optional<UserPolicy> found = policies.forUser(user);
        if (found.isEmpty()) {
            return refuse(new Refusal(Refusal.UNKNOWN_USER, "user " + user + " is no longer configured"));
        }
        UserPolicy policy = found.get();
        RouteRequest effective = PolicyLayering.effective(asked, policy.defaults());
        CountryPolicy.Decision decision = CountryPolicy.check(effective, policy, relays);
        if (decision.refusal().isPresent()) {
            return refuse(decision.refusal().get());
        }
        RouteRequest route = decision.route().orElseThrow();

        if (!tunnels.tryAcquire(user, policy.maxTunnels())) {
            return refuse(new Refusal(Refusal.MAX_TUNNELS, user + " has " + policy.maxTunnels()
                    + " live tunnels, the most allowed"));
        }
        Optional<String> session = route.session();
        if (session.isPresent() && !sessions.tryUse(user, session.get(), route.ttl(), policy.maxSessions())) {
            tunnels.release(user);
            return refuse(new Refusal(Refusal.MAX_SESSIONS, user + " has " + policy.maxSessions()
                    + " live sessions, the most allowed; reuse one or wait for one to expire"));
        }
        Lease lease = new Lease(user, session);

        ConnectRequest next = route.equals(asked) ? request
                : new ConnectRequest(route, request.destination(), request.client(), request.protocol());
        CompletionStage<Route> stage;
        try {
            stage = inner.route(next);
        } catch (RuntimeException e) {
            lease.release();
            return CompletableFuture.failedFuture(e);
        }
        if (stage == null) {
            lease.release();
            return CompletableFuture.failedFuture(new NullPointerException("the inner router returned no stage"));
        }
        CompletableFuture<Route> result = new CompletableFuture<>();
        stage.whenComplete((r, error) -> {
            if (error != null || r == null) {
                lease.release();
                result.completeExceptionally(error != null ? error
                        : new NullPointerException("the inner router completed with no route"));
            } else {
                result.complete(r.withObserver(new Chained(r.observer(), lease)));
            }
        });
        return result;
    }

    private static CompletionStage<Route> refuse(Refusal refusal) {
        log.debug("policy refused: {} ({})", refusal.reason(), refusal.detail());
        return CompletableFuture.failedFuture(refusal.toException());
    }

    /** One connection's tunnel slot and session use, given back exactly once. */
    private final class Lease implements TunnelObserver {
        private final String user;
        private final Optional<String> session;
        private final AtomicBoolean released = new AtomicBoolean();

        Lease(String user, Optional<String> session) {
            this.user = user;
            this.session = session;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                tunnels.release(user);
                session.ifPresent(s -> sessions.release(user, s));
            }
        }

        @Override
        public void failed(SocksReply reply, Throwable cause) {
            release();
        }

        @Override
        public void closed(Tunnel tunnel) {
            release();
        }
    }

    /** The inner router's observer first (it keeps its own books), then ours, whatever the first one does. */
    private record Chained(TunnelObserver first, TunnelObserver then) implements TunnelObserver {
        @Override
        public CompletionStage<Void> admit(InetSocketAddress upstreamLocal) {
            return first.admit(upstreamLocal).thenCompose(v -> then.admit(upstreamLocal));
        }

        @Override
        public void established(Tunnel tunnel) {
            try {
                first.established(tunnel);
            } finally {
                then.established(tunnel);
            }
        }

        @Override
        public void failed(SocksReply reply, Throwable cause) {
            try {
                first.failed(reply, cause);
            } finally {
                then.failed(reply, cause);
            }
        }

        @Override
        public void closed(Tunnel tunnel) {
            try {
                first.closed(tunnel);
            } finally {
                then.closed(tunnel);
            }
        }
    }

    @Override
    public String toString() {
        return "PolicyRouter(" + inner + ")";
    }
}
