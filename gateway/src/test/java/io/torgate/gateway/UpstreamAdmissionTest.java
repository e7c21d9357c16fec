package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TunnelObserver#admit}: the client is answered only once the route's observer admits the upstream
 * connection; a {@link RetryRouteException} drops that upstream and routes again (up to
 * {@link ConnectAttempt#MAX_ROUTES} routes), a {@link RoutingException} answers with its reply, and an admission
 * that never comes ends in the connect timeout with the upstream closed.
 */
class UpstreamAdmissionTest {

    private EchoServer echo;
    private Gateway gateway;
    private final RecordingListener listener = new RecordingListener();

    @BeforeEach
    void startEcho() throws Exception {
        echo = new EchoServer();
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        echo.close();
    }

    /** A direct route per request whose observer admits as {@code admission} says, recording every call. */
    private final class AdmittingRouter implements Router {
        final Function<Integer, CompletionStage<Void>> admission;
        final AtomicInteger routes = new AtomicInteger();
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<InetSocketAddress> admitted = new CopyOnWriteArrayList<>();
        final CompletableFuture<Tunnel> tunnel = new CompletableFuture<>();

        AdmittingRouter(Function<Integer, CompletionStage<Void>> admission) {
            this.admission = admission;
        }

        @Override
        public CompletionStage<Route> route(ConnectRequest request) {
            int n = routes.incrementAndGet();
            return CompletableFuture.completedFuture(Route.direct().withObserver(new TunnelObserver() {
                @Override
                public CompletionStage<Void> admit(InetSocketAddress upstreamLocal) {
                    calls.add(n + ":admit");
                    admitted.add(upstreamLocal);
                    return admission.apply(n);
                }

                @Override
                public void established(Tunnel t) {
                    calls.add(n + ":established");
                    tunnel.complete(t);
                }

                @Override
                public void failed(SocksReply reply, Throwable cause) {
                    calls.add(n + ":failed:" + reply + ":" + cause.getClass().getSimpleName());
                }
            }));
        }
    }

    private Socks5TestClient client(Router router, Duration connectTimeout) throws Exception {
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .router(router).connectTimeout(connectTimeout).listener(listener).build());
        Socks5TestClient c = Socks5TestClient.connect(gateway.address());
        c.greet(Socks5TestClient.NO_AUTH);
        return c;
    }

    @Test
    void theClientIsAnsweredOnlyAfterTheUpstreamIsAdmitted() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        AdmittingRouter router = new AdmittingRouter(n -> gate);
        try (Socks5TestClient c = client(router, Duration.ofSeconds(10))) {
            CompletableFuture<Boolean> gateOpenWhenAnswered = CompletableFuture.supplyAsync(() -> {
                try {
                    assertThat(c.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
                    return gate.isDone();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> router.calls.contains("1:admit") && echo.accepted() == 1);
            assertThat(gateOpenWhenAnswered).isNotDone();
            gate.complete(null);
            assertThat(gateOpenWhenAnswered.get(5, TimeUnit.SECONDS)).as("answered after the gate opened").isTrue();
            assertThat(GatewaySocks5Test.roundTrip(c.socket(), "admitted")).isEqualTo("admitted");
            Tunnel t = router.tunnel.get(5, TimeUnit.SECONDS);
            assertThat(router.admitted).containsExactly(t.upstreamLocalAddress());
            assertThat(router.calls).containsExactly("1:admit", "1:established");
        }
    }

    @Test
    void aRejectedUpstreamIsDroppedAndTheRequestRoutedAgain() throws Exception {
        AdmittingRouter router = new AdmittingRouter(n -> n == 1
                ? CompletableFuture.failedFuture(new RetryRouteException("exit_outside_profile", "wrong exit"))
                : CompletableFuture.completedFuture(null));
        try (Socks5TestClient c = client(router, Duration.ofSeconds(10))) {
            assertThat(c.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            assertThat(GatewaySocks5Test.roundTrip(c.socket(), "second route")).isEqualTo("second route");
            assertThat(router.routes).hasValue(2);
            assertThat(router.calls).containsExactly("1:admit", "1:failed:GENERAL_FAILURE:RetryRouteException",
                    "2:admit", "2:established");
            assertThat(echo.accepted()).as("one upstream per route").isEqualTo(2);
            assertThat(listener.events()).contains("upstreamRejected:exit_outside_profile", "upstreamConnected")
                    .doesNotContain("upstreamFailed:GENERAL_FAILURE");
            // The rejected upstream is closed: only the admitted one stays open at the echo server.
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> echo.openConnections() == 1);
        }
    }

    @Test
    void routingGivesUpAfterMaxRoutesWithAGeneralFailure() throws Exception {
        AdmittingRouter router = new AdmittingRouter(n ->
                CompletableFuture.failedFuture(new RetryRouteException("exit_outside_profile", "wrong exit " + n)));
        try (Socks5TestClient c = client(router, Duration.ofSeconds(10))) {
            assertThat(c.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isEqualTo(0x01);
            assertThat(router.routes).hasValue(ConnectAttempt.MAX_ROUTES);
            assertThat(router.calls).doesNotContain(ConnectAttempt.MAX_ROUTES + ":established");
            assertThat(listener.count("upstreamRejected:exit_outside_profile")).isEqualTo(ConnectAttempt.MAX_ROUTES);
            assertThat(listener.events()).contains("upstreamFailed:GENERAL_FAILURE");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> echo.openConnections() == 0);
        }
    }

    @Test
    void aRoutingExceptionFromAdmissionAnswersWithItsReply() throws Exception {
        AdmittingRouter router = new AdmittingRouter(n -> CompletableFuture.failedFuture(
                new RoutingException(SocksReply.HOST_UNREACHABLE, "session_exit_gone", "its exit is gone")));
        try (Socks5TestClient c = client(router, Duration.ofSeconds(10))) {
            assertThat(c.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isEqualTo(0x04);
            assertThat(router.routes).hasValue(1);
            assertThat(router.calls).containsExactly("1:admit", "1:failed:HOST_UNREACHABLE:RoutingException");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> echo.openConnections() == 0);
        }
    }

    @Test
    void anAdmissionThatNeverComesEndsInTheConnectTimeoutWithTheUpstreamClosed() throws Exception {
        AdmittingRouter router = new AdmittingRouter(n -> new CompletableFuture<>());
        try (Socks5TestClient c = client(router, Duration.ofMillis(500))) {
            assertThat(c.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isEqualTo(0x06);
            assertThat(router.calls).containsExactly("1:admit", "1:failed:TTL_EXPIRED:TimeoutException");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> echo.openConnections() == 0);
        }
    }
}
