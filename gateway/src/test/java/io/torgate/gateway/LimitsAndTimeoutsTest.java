package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.LoopbackServer;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.gateway.testing.TestUsers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tunnel limits, the idle timeout and half-close on real sockets. */
class LimitsAndTimeoutsTest {

    private final RecordingListener listener = new RecordingListener();
    private EchoServer echo;
    private Gateway gateway;

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

    private void start(GatewayConfig.Builder builder) throws GatewayStartException {
        gateway = Gateway.start(builder
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new DirectRouter())
                .authenticator(TestUsers.of(Map.of("alice", "pw", "bob", "pw")))
                .listener(listener)
                .build());
    }

    private Socks5TestClient tunnel(String user) throws IOException {
        Socks5TestClient client = Socks5TestClient.connect(gateway.address()).login(user, "pw");
        int code = client.connectIp(InetAddress.getLoopbackAddress(), echo.port());
        if (code != 0) {
            client.close();
            throw new IOException("reply " + code);
        }
        return client;
    }

    private int refusedCode(String user) throws IOException {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address()).login(user, "pw")) {
            int code = client.connectIp(InetAddress.getLoopbackAddress(), echo.port());
            assertThat(client.closedByServer()).isTrue();
            return code;
        }
    }

    @Test
    void perUserLimitRefusesThatUserOnly() throws Exception {
        start(GatewayConfig.builder().maxTunnelsPerUser(2));
        try (Socks5TestClient a1 = tunnel("alice"); Socks5TestClient a2 = tunnel("alice-session-s2")) {
            assertThat(refusedCode("alice")).isEqualTo(0x01);
            try (Socks5TestClient b1 = tunnel("bob")) {
                assertThat(GatewaySocks5Test.roundTrip(b1.socket(), "bob ok")).isEqualTo("bob ok");
            }
            try (Socket http = new Socket("127.0.0.1", gateway.address().getPort())) {
                http.setSoTimeout(10_000);
                RawHttp.send(http, "CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\nProxy-Authorization: "
                        + RawHttp.basic("alice", "pw") + "\r\n\r\n");
                RawHttp.Response response = RawHttp.read(http);
                assertThat(response.status()).isEqualTo(503);
                assertThat(response.header("Proxy-Status")).startsWith("torgate; error=connection_limit_reached;");
            }
        }
        assertThat(listener.count("limitRejected:per_user")).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeTunnels() == 0);
        try (Socks5TestClient again = tunnel("alice")) {
            assertThat(GatewaySocks5Test.roundTrip(again.socket(), "freed")).isEqualTo("freed");
        }
    }

    @Test
    void totalLimitRefusesEveryone() throws Exception {
        start(GatewayConfig.builder().maxTunnels(1));
        try (Socks5TestClient a = tunnel("alice")) {
            assertThat(gateway.activeTunnels()).isEqualTo(1);
            assertThat(refusedCode("bob")).isEqualTo(0x01);
        }
        assertThat(listener.events()).contains("limitRejected:total");
    }

    @Test
    void updatedLimitsApplyToNewTunnelsAndNeverCutLiveOnes() throws Exception {
        start(GatewayConfig.builder().maxTunnels(1));
        try (Socks5TestClient a = tunnel("alice")) {
            assertThat(refusedCode("bob")).isEqualTo(0x01);

            gateway.updateLimits(3, 1);
            try (Socks5TestClient b = tunnel("bob")) {
                assertThat(refusedCode("alice")).as("per user now 1, total 3").isEqualTo(0x01);
                assertThat(listener.count("limitRejected:per_user")).isEqualTo(1);

                gateway.updateLimits(1, 0); // below the 2 live tunnels: both keep relaying, a third is refused
                assertThat(GatewaySocks5Test.roundTrip(a.socket(), "a still")).isEqualTo("a still");
                assertThat(GatewaySocks5Test.roundTrip(b.socket(), "b still")).isEqualTo("b still");
                assertThat(refusedCode("bob")).isEqualTo(0x01);
                assertThat(gateway.activeTunnels()).isEqualTo(2);
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeTunnels() == 0);
        gateway.updateLimits(0, 0);
        try (Socks5TestClient a = tunnel("alice"); Socks5TestClient a2 = tunnel("alice"); Socks5TestClient b = tunnel("bob")) {
            assertThat(gateway.activeTunnels()).as("0 = unlimited").isEqualTo(3);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gateway.updateLimits(-1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void idleTunnelIsClosedAfterTheIdleTimeout() throws Exception {
        start(GatewayConfig.builder().idleTimeout(Duration.ofMillis(400)));
        try (Socks5TestClient client = tunnel("alice")) {
            assertThat(GatewaySocks5Test.roundTrip(client.socket(), "then silence")).isEqualTo("then silence");
            long start = System.nanoTime();
            assertThat(client.in().read()).as("closed by the gateway").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start).toMillis()).isBetween(300L, 5_000L);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeTunnels() == 0);
        assertThat(listener.events()).contains("tunnelClosed");
    }

    @Test
    void busyTunnelOutlivesTheIdleTimeout() throws Exception {
        start(GatewayConfig.builder().idleTimeout(Duration.ofMillis(500)));
        try (Socks5TestClient client = tunnel("alice")) {
            long end = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
            int round = 0;
            while (System.nanoTime() < end) {
                String text = "round " + round++;
                assertThat(GatewaySocks5Test.roundTrip(client.socket(), text)).isEqualTo(text);
                Thread.sleep(100); // traffic every 100 ms: well inside the idle timeout
            }
            assertThat(gateway.activeTunnels()).isEqualTo(1);
        }
    }

    /** Reads the request to EOF, then answers with how many bytes it got, then closes. */
    static final class CountingServer extends LoopbackServer {
        CountingServer() throws IOException {
        }

        @Override
        protected void serve(Socket socket) throws IOException {
            long count = socket.getInputStream().readAllBytes().length;
            socket.getOutputStream().write(("received " + count).getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void halfCloseLetsTheServerAnswerAfterTheClientFinishedSending() throws Exception {
        start(GatewayConfig.builder());
        try (CountingServer server = new CountingServer();
             Socks5TestClient client = Socks5TestClient.connect(gateway.address()).login("alice", "pw")) {
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), server.port())).isZero();
            client.out().write(new byte[100_000]);
            client.socket().shutdownOutput();
            assertThat(new String(client.in().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("received 100000");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeTunnels() == 0);
        assertThat(listener.bytesClientToUpstream()).isEqualTo(100_000);
        assertThat(listener.bytesUpstreamToClient()).isEqualTo("received 100000".length());
    }

    @Test
    void halfCloseTheOtherWayRound() throws Exception {
        start(GatewayConfig.builder());
        try (Socks5TestClient client = tunnel("alice")) {
            client.out().write("echo me".getBytes(StandardCharsets.US_ASCII));
            client.socket().shutdownOutput();
            // The echo server sends everything back, then half-closes too: the client sees the data, then EOF.
            assertThat(new String(client.in().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("echo me");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeTunnels() == 0);
    }

    @Test
    void clientThatHalfClosesRightAfterItsConnectStillGetsItsAnswer() throws Exception {
        start(GatewayConfig.builder());
        try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
            socket.setSoTimeout(10_000);
            // Request, payload and EOF all before the gateway has even dialled the upstream.
            RawHttp.send(socket, "CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\nProxy-Authorization: "
                    + RawHttp.basic("alice", "pw") + "\r\n\r\nlast words");
            socket.shutdownOutput();
            assertThat(RawHttp.read(socket).status()).isEqualTo(200);
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("last words");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeTunnels() == 0);
    }
}
