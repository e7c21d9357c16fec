package io.torgate.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Destination;
import io.torgate.gateway.Mode;
import io.torgate.gateway.Route;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.Router;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.Tunnel;
import io.torgate.gateway.TunnelObserver;
import io.torgate.gateway.UsernameGrammar;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PolicyRouterTest {

    private static final String FP_US = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";
    private static final RelayCountries RELAYS = fp -> fp.equals(FP_US) ? Optional.of("us") : Optional.empty();

    /** The inner router: records what it was asked and answers as told (a direct route by default). */
    private static final class FakeInner implements Router {
        final List<ConnectRequest> seen = new ArrayList<>();
        final List<String> observed = new ArrayList<>();
        Function<ConnectRequest, CompletionStage<Route>> answer =
                r -> CompletableFuture.completedFuture(Route.direct().withObserver(recording()));

        TunnelObserver recording() {
            return new TunnelObserver() {
                @Override
                public void established(Tunnel tunnel) {
                    observed.add("established");
                }

                @Override
                public void failed(SocksReply reply, Throwable cause) {
                    observed.add("failed");
                }

                @Override
                public void closed(Tunnel tunnel) {
                    observed.add("closed");
                }
            };
        }

        @Override
        public CompletionStage<Route> route(ConnectRequest request) {
            seen.add(request);
            return answer.apply(request);
        }
    }

    private final FakeInner inner = new FakeInner();
    private final AtomicLong clock = new AtomicLong();
    private final SessionTable sessions = new SessionTable(clock::get);

    private PolicyRouter router(Map<String, UserPolicy> policies) {
        return new PolicyRouter(inner, Policies.of(policies), RELAYS, sessions);
    }

    private static UserPolicy policy(List<String> allowed, RouteDefaults defaults, int maxSessions, int maxTunnels) {
        return new UserPolicy(Optional.ofNullable(allowed), defaults, maxSessions, maxTunnels);
    }

    private static ConnectRequest connect(String username) throws RouteRequestException {
        return new ConnectRequest(UsernameGrammar.parse(username), new Destination("example.com", 443, Destination.Kind.DOMAIN),
                new InetSocketAddress("127.0.0.1", 40000), ConnectRequest.Protocol.SOCKS5);
    }

    private static Route routed(CompletionStage<Route> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static RoutingException refusal(CompletionStage<Route> stage) {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RoutingException.class);
            return (RoutingException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void theInnerRouterGetsTheEffectiveRequest() throws Exception {
        RouteDefaults d = new RouteDefaults(List.of("de"), List.of(), Optional.empty(), Optional.of(Mode.STRICT),
                Optional.of(Duration.ofHours(1)), false);
        PolicyRouter router = router(Map.of("alice", policy(List.of("de", "nl"), d, 0, 0)));
        ConnectRequest asked = connect("alice-session-x");
        routed(router.route(asked));
        ConnectRequest got = inner.seen.get(0);
        assertThat(got.route().countries()).containsExactly("de");
        assertThat(got.route().mode()).isEqualTo(Mode.STRICT);
        assertThat(got.route().ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(got.destination()).isEqualTo(asked.destination());
        assertThat(got.client()).isEqualTo(asked.client());
        assertThat(got.protocol()).isEqualTo(asked.protocol());
    }

    @Test
    void anUnrestrictedUserPassesTheSameRequestThrough() throws Exception {
        PolicyRouter router = router(Map.of("alice", UserPolicy.UNRESTRICTED));
        ConnectRequest asked = connect("alice-country-us");
        routed(router.route(asked));
        assertThat(inner.seen).containsExactly(asked);

        PolicyRouter noUsers = new PolicyRouter(inner, Policies.NONE, RELAYS, sessions);
        ConnectRequest anyone = connect("whoever-exclude-de");
        routed(noUsers.route(anyone));
        assertThat(inner.seen.get(1)).isSameAs(anyone);
    }

    @Test
    void aDisallowedCountryIsRefusedBeforeTheInnerRouter() throws Exception {
        PolicyRouter router = router(Map.of("alice", policy(List.of("nl"), RouteDefaults.NONE, 0, 0)));
        RoutingException e = refusal(router.route(connect("alice-country-de")));
        assertThat(e.reply()).isEqualTo(SocksReply.NOT_ALLOWED_BY_RULESET);
        assertThat(e.reason()).isEqualTo("country_not_allowed");
        assertThat(e.detail()).isEqualTo("country de is not allowed for alice");
        assertThat(refusal(router.route(connect("alice-exit-" + FP_US))).detail())
                .isEqualTo("country us of exit " + FP_US + " is not allowed for alice");
        assertThat(refusal(router.route(connect("alice-exclude-nl"))).detail())
                .isEqualTo("exclude-nl leaves no country alice may use (allowed: nl)");
        assertThat(inner.seen).isEmpty();
        assertThat(router.liveTunnels("alice")).isZero();
    }

    @Test
    void tunnelsAreCountedUntilTheGatewaySaysTheyEnded() throws Exception {
        PolicyRouter router = router(Map.of("alice", policy(null, RouteDefaults.NONE, 0, 2), "bob", UserPolicy.UNRESTRICTED));
        Route first = routed(router.route(connect("alice")));
        Route second = routed(router.route(connect("alice")));
        assertThat(router.liveTunnels("alice")).isEqualTo(2);

        RoutingException e = refusal(router.route(connect("alice")));
        assertThat(e.reason()).isEqualTo("max_tunnels");
        assertThat(e.detail()).isEqualTo("alice has 2 live tunnels, the most allowed");
        assertThat(e.reply()).isEqualTo(SocksReply.NOT_ALLOWED_BY_RULESET);
        routed(router.route(connect("bob"))); // other users are not affected

        first.observer().established(null);
        first.observer().closed(null);
        assertThat(router.liveTunnels("alice")).isEqualTo(1);
        Route third = routed(router.route(connect("alice")));
        second.observer().failed(SocksReply.CONNECTION_REFUSED, null);
        third.observer().failed(SocksReply.TTL_EXPIRED, null);
        third.observer().closed(null); // a second report for the same connection gives back nothing more
        assertThat(router.liveTunnels("alice")).isZero();
        assertThat(inner.observed).containsExactly("established", "closed", "failed", "failed", "closed");
    }

    @Test
    void theInnerObserverThrowingStillReleasesTheSlot() throws Exception {
        inner.answer = r -> CompletableFuture.completedFuture(Route.direct().withObserver(new TunnelObserver() {
            @Override
            public void closed(Tunnel tunnel) {
                throw new IllegalStateException("inner bookkeeping failed");
            }
        }));
        PolicyRouter router = router(Map.of("alice", policy(null, RouteDefaults.NONE, 0, 1)));
        Route r = routed(router.route(connect("alice")));
        try {
            r.observer().closed(null);
        } catch (IllegalStateException expected) {
            // the gateway's SafeListener-style callers log this; our slot must be back regardless
        }
        assertThat(router.liveTunnels("alice")).isZero();
    }

    @Test
    void anInnerRefusalOrFailureGivesTheSlotBack() throws Exception {
        PolicyRouter router = router(Map.of("alice", policy(null, RouteDefaults.NONE, 1, 1)));
        RoutingException noExit = new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET, "no_exit", "none running");
        inner.answer = r -> CompletableFuture.failedFuture(noExit);
        assertThat(refusal(router.route(connect("alice-session-a")))).isSameAs(noExit);
        assertThat(router.liveTunnels("alice")).isZero();

        inner.answer = r -> {
            throw new IllegalStateException("bug");
        };
        assertThat(router.route(connect("alice")).toCompletableFuture()).isCompletedExceptionally();
        inner.answer = r -> null;
        assertThat(router.route(connect("alice")).toCompletableFuture()).isCompletedExceptionally();
        inner.answer = r -> CompletableFuture.completedFuture(null);
        assertThat(router.route(connect("alice")).toCompletableFuture()).isCompletedExceptionally();
        assertThat(router.liveTunnels("alice")).isZero();

        CompletableFuture<Route> later = new CompletableFuture<>();
        inner.answer = r -> later;
        CompletionStage<Route> pending = router.route(connect("alice-session-a"));
        assertThat(router.liveTunnels("alice")).as("held while routing").isEqualTo(1);
        later.completeExceptionally(new RuntimeException("slow failure"));
        assertThat(pending.toCompletableFuture()).isCompletedExceptionally();
        assertThat(router.liveTunnels("alice")).isZero();
        clock.addAndGet(Duration.ofMinutes(10).toNanos());
        assertThat(router.liveSessions("alice")).as("sessions released too, then expired").isZero();
    }

    @Test
    void newSessionsBeyondTheLimitAreRefusedLiveOnesReused() throws Exception {
        PolicyRouter router = router(Map.of("alice", policy(null, RouteDefaults.NONE, 2, 0)));
        Route a = routed(router.route(connect("alice-session-a")));
        routed(router.route(connect("alice-session-b")));
        routed(router.route(connect("alice-session-a")));
        routed(router.route(connect("alice"))); // no session: not counted
        RoutingException e = refusal(router.route(connect("alice-session-c")));
        assertThat(e.reason()).isEqualTo("max_sessions");
        assertThat(e.detail()).startsWith("alice has 2 live sessions, the most allowed");
        assertThat(router.liveTunnels("alice")).as("the refused one holds no tunnel slot").isEqualTo(4);
        assertThat(router.liveSessions("alice")).isEqualTo(2);

        a.observer().closed(null);
        clock.addAndGet(Duration.ofMinutes(10).toNanos());
        assertThat(refusal(router.route(connect("alice-session-c"))).reason())
                .as("a is still used by its second connection").isEqualTo("max_sessions");
    }

    @Test
    void aSessionExpiresItsTtlAfterItsLastTunnel() throws Exception {
        PolicyRouter router = router(Map.of("alice", policy(null, RouteDefaults.NONE, 1, 0)));
        Route a = routed(router.route(connect("alice-session-a-ttl-30s")));
        a.observer().closed(null);
        assertThat(refusal(router.route(connect("alice-session-b"))).reason()).isEqualTo("max_sessions");
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        routed(router.route(connect("alice-session-b")));
    }

    @Test
    void aTunnelRefusalDoesNotTakeASession() throws Exception {
        PolicyRouter router = router(Map.of("alice", policy(null, RouteDefaults.NONE, 1, 1)));
        routed(router.route(connect("alice")));
        assertThat(refusal(router.route(connect("alice-session-a"))).reason()).isEqualTo("max_tunnels");
        assertThat(router.liveSessions("alice")).isZero();
    }

    @Test
    void updatedPoliciesApplyToNewConnectionsAndKeepTheCounts() throws Exception {
        PolicyRouter router = router(Map.of("alice", UserPolicy.UNRESTRICTED));
        Route open = routed(router.route(connect("alice-country-de")));
        routed(router.route(connect("alice")));

        router.update(Policies.of(Map.of("alice", policy(List.of("nl"), RouteDefaults.NONE, 0, 2))));
        assertThat(refusal(router.route(connect("alice-country-de"))).reason()).isEqualTo("country_not_allowed");
        assertThat(refusal(router.route(connect("alice-country-nl"))).reason())
                .as("the two tunnels opened before the limit existed count").isEqualTo("max_tunnels");
        open.observer().closed(null);
        routed(router.route(connect("alice-country-nl")));

        router.update(Policies.of(Map.of("bob", UserPolicy.UNRESTRICTED)));
        RoutingException gone = refusal(router.route(connect("alice")));
        assertThat(gone.reason()).isEqualTo("unknown_user");
        assertThat(gone.detail()).isEqualTo("user alice is no longer configured");
    }
}
