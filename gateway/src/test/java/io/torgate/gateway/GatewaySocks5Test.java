package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.Curl;
import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.gateway.testing.TestHttpServer;
import io.torgate.gateway.testing.TestUsers;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SOCKS5 through a real gateway socket to a local echo server, with real clients (JDK, curl, byte-level). */
class GatewaySocks5Test {

    private final RecordingListener listener = new RecordingListener();
    private EchoServer echo;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer();
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new DirectRouter())
                .authenticator(TestUsers.of("alice", "s3cret"))
                .listener(listener)
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        echo.close();
    }

    @Test
    void jdkSocksClientWithPasswordReachesEchoServerByName() throws Exception {
        java.net.Authenticator.setDefault(new java.net.Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return new PasswordAuthentication("alice-session-abc", "s3cret".toCharArray());
            }
        });
        try (Socket socket = new Socket(new Proxy(Proxy.Type.SOCKS, gateway.address()))) {
            socket.setSoTimeout(10_000);
            socket.connect(InetSocketAddress.createUnresolved("localhost", echo.port()), 10_000);
            assertThat(roundTrip(socket, "hello through socks")).isEqualTo("hello through socks");
        } finally {
            java.net.Authenticator.setDefault(null);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.activeTunnels() == 0);
        assertThat(listener.events()).contains("handshakeCompleted:SOCKS5", "upstreamConnected",
                "tunnelOpened:SOCKS5", "tunnelClosed");
        assertThat(listener.bytesClientToUpstream()).isEqualTo("hello through socks".length());
        assertThat(listener.bytesUpstreamToClient()).isEqualTo("hello through socks".length());
    }

    @Test
    void byteLevelClientConnectsToIpv4Literal() throws Exception {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address()).login("alice", "s3cret")) {
            assertThat(client.connectIp(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
            assertThat(roundTrip(client.socket(), "ipv4")).isEqualTo("ipv4");
        }
    }

    @Test
    void wrongPasswordIsRefusedWithStatus1AndClosed() throws Exception {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            assertThat(client.greet(Socks5TestClient.PASSWORD)).isEqualTo(Socks5TestClient.PASSWORD);
            assertThat(client.authenticate("alice", "wrong")).isEqualTo(1);
            assertThat(client.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.count("authFailed:SOCKS5") == 1);
        assertThat(echo.accepted()).isZero();
    }

    @Test
    void badUsernameOptionsAreRefusedWithStatus1AndClosed() throws Exception {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            assertThat(client.greet(Socks5TestClient.PASSWORD)).isEqualTo(Socks5TestClient.PASSWORD);
            assertThat(client.authenticate("alice-colour-blue", "s3cret")).isEqualTo(1);
            assertThat(client.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.count("optionRejected:unknown_key") == 1);
    }

    @Test
    void clientOfferingOnlyNoAuthIsRefusedWhenUsersAreConfigured() throws Exception {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            assertThat(client.greet(Socks5TestClient.NO_AUTH)).isEqualTo(0xFF);
            assertThat(client.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> listener.count("handshakeFailed:SOCKS5:no_acceptable_method") == 1);
    }

    @Test
    void curlSocks5HostnameFetchesThroughTheGateway() throws Exception {
        try (TestHttpServer http = new TestHttpServer("hello from upstream")) {
            Curl.Result result = Curl.run("--socks5-hostname", "127.0.0.1:" + gateway.address().getPort(),
                    "--proxy-user", "alice:s3cret", "http://localhost:" + http.port() + "/");
            assertThat(result.stderr()).isEmpty();
            assertThat(result.exitCode()).isZero();
            assertThat(result.stdout()).isEqualTo("hello from upstream");
        }
    }

    @Test
    void curlWithWrongPasswordFails() throws Exception {
        Curl.Result result = Curl.run("-x", "socks5h://alice:nope@127.0.0.1:" + gateway.address().getPort(),
                "http://localhost:" + echo.port() + "/");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stdout()).isEmpty();
    }

    static String roundTrip(Socket socket, String text) throws Exception {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        out.flush();
        byte[] back = in.readNBytes(bytes.length);
        return new String(back, StandardCharsets.UTF_8);
    }
}
