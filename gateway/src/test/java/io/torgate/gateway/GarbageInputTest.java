package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.Curl;
import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.gateway.testing.TestUsers;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Junk on the front door is closed cleanly and costs nothing: no reply bytes where the protocol has none, no
 * leaked buffers (the leak extension checks), no open tunnel slots, and a well-behaved client is served meanwhile.
 */
class GarbageInputTest {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(500);

    private final RecordingListener listener = new RecordingListener();
    private EchoServer echo;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer();
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new DirectRouter())
                .authenticator(TestUsers.of("alice", "pw"))
                .listener(listener)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.address().getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Reads what the gateway sends until it closes; fails the test if it does not close. */
    private static byte[] readUntilClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            return in.readAllBytes();
        } catch (java.net.SocketException reset) {
            return new byte[0]; // closed with unread input: the kernel may answer with a reset
        }
    }

    private void assertServedMeanwhile() throws IOException {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address()).login("alice", "pw")) {
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            assertThat(new String(roundTrip(client.socket(), "still fine"), StandardCharsets.UTF_8))
                    .isEqualTo("still fine");
        }
    }

    private static byte[] roundTrip(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        return socket.getInputStream().readNBytes(text.length());
    }

    @Test
    void randomBytesAreClosedWithoutAnswer() throws Exception {
        Random random = new Random(1);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + random.nextInt(4096)];
            random.nextBytes(junk);
            junk[0] = (byte) (0x80 | junk[0]); // neither 0x05 nor an ASCII letter
            try (Socket socket = connect()) {
                socket.getOutputStream().write(junk);
                assertThat(readUntilClosed(socket)).isEmpty();
            }
        }
        assertServedMeanwhile();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> listener.count("handshakeFailed:null:unknown_protocol") == 20);
    }

    /** SOCKS4 and SOCKS4a requests get SOCKS4's own "rejected" reply (0x5B), not a bare close. */
    @Test
    void socks4And4aRequestsGetTheSocks4RejectedReply() throws Exception {
        byte[] socks4 = {4, 1, 0, 80, 127, 0, 0, 1, 'u', 's', 'e', 'r', 0};
        byte[] socks4a = {4, 1, 0, 80, 0, 0, 0, 1, 'u', 0, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0};
        for (byte[] request : new byte[][] {socks4, socks4a}) {
            try (Socket socket = connect()) {
                socket.getOutputStream().write(request);
                assertThat(readUntilClosed(socket)).containsExactly(0x00, 0x5B, 0, 0, 0, 0, 0, 0);
            }
        }
        Curl.Result curl = Curl.run("-s", "-S", "--socks4a", "127.0.0.1:" + gateway.address().getPort(),
                "http://example.org/");
        assertThat(curl.exitCode()).as(curl.stderr()).isEqualTo(97);
        assertThat(curl.stderr()).containsIgnoringCase("rejected");
        assertServedMeanwhile();
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.count("handshakeFailed:null:socks4") == 3);
    }

    @Test
    void httpJunkGetsA400ThenClose() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write("GARBAGE /\u0000\u0001 HTTP/9.9\r\n: :\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(readUntilClosed(socket), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 400 ");
        }
        assertServedMeanwhile();
    }

    @Test
    void halfAHandshakeIsClosedAtTheHandshakeTimeoutWhileOthersAreServed() throws Exception {
        try (Socket stalled = connect(); Socket stalledHttp = connect()) {
            stalled.getOutputStream().write(new byte[] {5, 2, 0}); // promises two methods, sends one
            stalledHttp.getOutputStream().write("CONNECT example.org:443 HTTP/1.1\r\nHost: exa".getBytes(
                    StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertServedMeanwhile();
            assertThat(readUntilClosed(stalled)).isEmpty();
            assertThat(readUntilClosed(stalledHttp)).isEmpty();
            long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(waited).isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.toMillis() - 100).isLessThan(5_000);
        }
        assertThat(listener.events()).contains("handshakeFailed:SOCKS5:timeout", "handshakeFailed:HTTP_CONNECT:timeout");
        assertThat(gateway.activeTunnels()).isZero();
    }

    @Test
    void clientThatDisconnectsMidHandshakeIsForgotten() throws Exception {
        for (int i = 0; i < 10; i++) {
            try (Socket socket = connect()) {
                socket.getOutputStream().write(new byte[] {5, 1, 2, 1, 5, 'a'});
            }
        }
        assertServedMeanwhile();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> listener.count("handshakeFailed:SOCKS5:client_closed") == 10);
        assertThat(gateway.activeTunnels()).isZero();
    }
}
