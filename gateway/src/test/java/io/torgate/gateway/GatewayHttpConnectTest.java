package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.Curl;
import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.TestHttpServer;
import io.torgate.gateway.testing.TestUsers;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP CONNECT front door on the same port, with curl and a byte-level client. */
class GatewayHttpConnectTest {

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

    private String proxyUrl(String credentials) {
        return "http://" + credentials + "@127.0.0.1:" + gateway.address().getPort();
    }

    @Test
    void curlProxytunnelFetchesThroughTheGateway() throws Exception {
        try (TestHttpServer http = new TestHttpServer("hello over CONNECT")) {
            Curl.Result result = Curl.run("-p", "-x", proxyUrl("alice-session-s1:s3cret"),
                    "http://localhost:" + http.port() + "/");
            assertThat(result.stderr()).isEmpty();
            assertThat(result.exitCode()).isZero();
            assertThat(result.stdout()).isEqualTo("hello over CONNECT");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> listener.count("tunnelClosed") == 1);
        assertThat(listener.events()).contains("handshakeCompleted:HTTP_CONNECT", "tunnelOpened:HTTP_CONNECT");
    }

    @Test
    void curlWithWrongPasswordSees407() throws Exception {
        Curl.Result result = Curl.run("-p", "-x", proxyUrl("alice:wrong"), "--write-out", "%{http_connect}",
                "http://localhost:" + echo.port() + "/");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stdout()).isEqualTo("407");
        assertThat(listener.events()).contains("authFailed:HTTP_CONNECT");
    }

    @Test
    void connectTunnelsBytesIncludingDataSentRightBehindTheRequest() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
            socket.setSoTimeout(10_000);
            // The early bytes ride in the same write as the request: they must reach the upstream, after the 200.
            RawHttp.send(socket, "CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + echo.port() + "\r\n"
                    + "Proxy-Authorization: " + RawHttp.basic("alice", "s3cret") + "\r\n\r\nearly-bytes");
            RawHttp.Response response = RawHttp.read(socket);
            assertThat(response.statusLine()).isEqualTo("HTTP/1.1 200 Connection established");
            assertThat(response.headers()).doesNotContainKeys("content-length", "transfer-encoding");
            assertThat(new String(socket.getInputStream().readNBytes(11), StandardCharsets.UTF_8))
                    .isEqualTo("early-bytes");
            assertThat(GatewaySocks5Test.roundTrip(socket, "and more")).isEqualTo("and more");
        }
    }

    @Test
    void missingCredentialsGet407WithChallengeAndProxyStatus() throws Exception {
        RawHttp.Response response = exchange("CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n\r\n");
        assertThat(response.status()).isEqualTo(407);
        assertThat(response.header("Proxy-Authenticate")).isEqualTo("Basic realm=\"torgate\"");
        assertThat(response.header("Proxy-Status"))
                .isEqualTo("torgate; error=http_request_denied; details=\"proxy authentication required\"");
        assertThat(response.body()).contains("proxy authentication required");
    }

    @Test
    void badUsernameOptionsGet407WithTheReason() throws Exception {
        RawHttp.Response response = exchange("CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n"
                + "Proxy-Authorization: " + RawHttp.basic("alice-country-xx", "s3cret") + "\r\n\r\n");
        assertThat(response.status()).isEqualTo(407);
        assertThat(response.body()).startsWith("bad username options: ").contains("xx");
        assertThat(response.header("Proxy-Status")).startsWith("torgate; error=http_request_denied; details=");
        assertThat(listener.events()).contains("optionRejected:bad_value");
    }

    @Test
    void otherMethodsGet405ExplainingOnlyConnectIsSupported() throws Exception {
        RawHttp.Response response = exchange("GET http://127.0.0.1:" + echo.port() + "/ HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n\r\n");
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.body()).contains("only tunnels").contains("CONNECT");
    }

    @Test
    void garbageGets400AndClose() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
            socket.setSoTimeout(10_000);
            RawHttp.send(socket, "HELLO\u0001\u0002 there\r\n\r\n");
            RawHttp.Response response = RawHttp.read(socket);
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("Proxy-Status")).startsWith("torgate; error=http_request_error");
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void refusedDestinationGets502WithConnectionRefused() throws Exception {
        int closedPort = GatewayFailureCodesTest.closedPort();
        RawHttp.Response response = exchange("CONNECT 127.0.0.1:" + closedPort + " HTTP/1.1\r\n"
                + "Proxy-Authorization: " + RawHttp.basic("alice", "s3cret") + "\r\n\r\n");
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.header("Proxy-Status")).startsWith("torgate; error=connection_refused; details=");
    }

    private RawHttp.Response exchange(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
            socket.setSoTimeout(10_000);
            RawHttp.send(socket, request);
            RawHttp.Response response = RawHttp.read(socket);
            assertThat(response).isNotNull();
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(socket.getInputStream().read()).as("closed after the answer").isEqualTo(-1);
            return response;
        }
    }
}
