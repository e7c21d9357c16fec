package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.gateway.testing.TestUsers;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Starting safely, the NIO fallback, the TunnelObserver contract, stopAccepting and graceful shutdown. */
class GatewayLifecycleTest {

    private EchoServer echo;

    @BeforeEach
    void startEcho() throws Exception {
        echo = new EchoServer();
    }

    @AfterEach
    void stopEcho() throws Exception {
        echo.close();
    }

    private static GatewayConfig.Builder config() {
        return GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(new DirectRouter());
    }

    @Test
    void refusesANonLoopbackListenerWithoutUsers() {
        assertThatThrownBy(() -> Gateway.start(config().listen(new InetSocketAddress("0.0.0.0", 0)).build()))
                .isInstanceOf(GatewayStartException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0:0 without users")
                .hasMessageContaining("loopback");
    }

    @Test
    void refusesAnUnresolvedListenAddress() {
        assertThatThrownBy(() -> Gateway.start(config()
                .listen(InetSocketAddress.createUnresolved("gateway.example", 1080)).build()))
                .isInstanceOf(GatewayStartException.class)
                .hasMessageContaining("'gateway.example' is not an IP address");
    }

    @Test
    void reportsAPortInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> Gateway.start(config()
                    .listen(new InetSocketAddress("127.0.0.1", taken.getLocalPort())).build()))
                    .isInstanceOf(GatewayStartException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void nioTransportRelaysToo() throws Exception {
        try (Gateway gateway = Gateway.start(config().nativeTransport(false).build());
             Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            assertThat(GatewaySocks5Test.roundTrip(client.socket(), "over nio")).isEqualTo("over nio");
        }
    }

    @Test
    void listensOnIpv6Loopback() throws Exception {
        try (Gateway gateway = Gateway.start(config().listen(new InetSocketAddress("::1", 0)).build());
             Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            assertThat(GatewaySocks5Test.roundTrip(client.socket(), "v6 front")).isEqualTo("v6 front");
        }
    }

    /** Records the observer calls and keeps the tunnel it was given. */
    static final class Observer implements TunnelObserver {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final CompletableFuture<Tunnel> tunnel = new CompletableFuture<>();

        @Override
        public void established(Tunnel t) {
            calls.add("established");
            tunnel.complete(t);
        }

        @Override
        public void failed(SocksReply reply, Throwable cause) {
            calls.add("failed:" + reply);
        }

        @Override
        public void closed(Tunnel t) {
            calls.add("closed");
        }
    }

    @Test
    void observerSeesTheTunnelAndCanCloseIt() throws Exception {
        Observer observer = new Observer();
        Router router = request -> CompletableFuture.completedFuture(Route.direct().withObserver(observer));
        try (Gateway gateway = Gateway.start(config().router(router).build());
             Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            Tunnel tunnel = observer.tunnel.get(5, TimeUnit.SECONDS);
            assertThat(tunnel.id()).isPositive();
            assertThat(tunnel.request().destination().port()).isEqualTo(echo.port());
            assertThat(tunnel.upstreamLocalAddress().getAddress().isLoopbackAddress()).isTrue();
            assertThat(tunnel.upstreamLocalAddress().getPort()).isPositive();

            tunnel.close("router says so"); // from a foreign thread
            assertThat(client.in().read()).isEqualTo(-1);
            await().atMost(Duration.ofSeconds(5)).until(() -> observer.calls.contains("closed"));
            assertThat(observer.calls).containsExactly("established", "closed");
            assertThat(gateway.activeTunnels()).isZero();
        }
    }

    @Test
    void observerHearsAFailedDial() throws Exception {
        Observer observer = new Observer();
        int closedPort = GatewayFailureCodesTest.closedPort();
        Router router = request -> CompletableFuture.completedFuture(Route.direct().withObserver(observer));
        try (Gateway gateway = Gateway.start(config().router(router).build());
             Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), closedPort)).isEqualTo(0x05);
            assertThat(observer.calls).containsExactly("failed:CONNECTION_REFUSED");
        }
    }

    @Test
    void stopAcceptingKeepsLiveTunnels() throws Exception {
        try (Gateway gateway = Gateway.start(config().build());
             Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            gateway.stopAccepting();
            assertThatThrownBy(() -> new Socket("127.0.0.1", gateway.address().getPort()).close())
                    .isInstanceOf(ConnectException.class);
            assertThat(GatewaySocks5Test.roundTrip(client.socket(), "still here")).isEqualTo("still here");
        }
    }

    @Test
    void shutdownWaitsForTunnelsToEndWithinTheGracePeriod() throws Exception {
        Gateway gateway = Gateway.start(config().build());
        Socks5TestClient client = Socks5TestClient.connect(gateway.address());
        client.greet(Socks5TestClient.NO_AUTH);
        assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> gateway.shutdown(Duration.ofSeconds(30)));
        // Still relaying while shutdown waits.
        assertThat(GatewaySocks5Test.roundTrip(client.socket(), "during grace")).isEqualTo("during grace");
        assertThat(shutdown).isNotDone();
        client.close();
        shutdown.get(10, TimeUnit.SECONDS);
        assertThat(gateway.activeTunnels()).isZero();
    }

    @Test
    void shutdownClosesWhatOutlivesTheGracePeriod() throws Exception {
        Gateway gateway = Gateway.start(config().build());
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address());
             Socket handshaking = new Socket("127.0.0.1", gateway.address().getPort())) {
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            handshaking.getOutputStream().write(5);
            long start = System.nanoTime();
            gateway.shutdown(Duration.ofMillis(300));
            assertThat(Duration.ofNanos(System.nanoTime() - start).toMillis()).isBetween(250L, 10_000L);
            assertThat(client.in().read()).isEqualTo(-1);
            handshaking.setSoTimeout(5_000);
            assertThat(handshaking.getInputStream().read()).isEqualTo(-1);
            assertThat(gateway.activeTunnels()).isZero();
        }
    }

    @Test
    void usersMakeANonLoopbackListenerAcceptable() throws Exception {
        // The safety check alone: binding a public interface is no business of a test.
        NettyGateway.checkSafe(config().listen(new InetSocketAddress("0.0.0.0", 0))
                .authenticator(TestUsers.of("alice", "pw")).build());
    }
}
