package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.FakeSocks5Upstream;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way a CONNECT can fail reaches the client as the right SOCKS5 code and HTTP status. */
class GatewayFailureCodesTest {

    private final RecordingListener listener = new RecordingListener();
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private Gateway start(Router router, Duration connectTimeout) throws GatewayStartException {
        return start(router, connectTimeout, new DirectResolver());
    }

    private Gateway start(Router router, Duration connectTimeout, DirectResolver resolver)
            throws GatewayStartException {
        gateway = NettyGateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(router)
                .listener(listener)
                .connectTimeout(connectTimeout)
                .build(), resolver);
        return gateway;
    }

    /** A port on 127.0.0.1 that nothing listens on (bound, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private int socksConnect(String host, int port) throws IOException {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.login("bob", "any");
            int code = client.connectDomain(host, port);
            if (code != 0) {
                assertThat(client.closedByServer()).as("closed after a failure reply").isTrue();
            }
            return code;
        }
    }

    private RawHttp.Response httpConnect(String hostPort) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
            socket.setSoTimeout(20_000);
            RawHttp.send(socket, "CONNECT " + hostPort + " HTTP/1.1\r\n\r\n");
            return RawHttp.read(socket);
        }
    }

    @Test
    void refusedPortIs0x05() throws Exception {
        start(new DirectRouter(), Duration.ofSeconds(10));
        int port = closedPort();
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.login("bob", "any");
            assertThat(client.connectIp(InetAddress.getByName("127.0.0.1"), port)).isEqualTo(0x05);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeTunnels() == 0);
        assertThat(listener.events()).contains("upstreamFailed:CONNECTION_REFUSED");
    }

    @Test
    void routerRefusalIs0x02AndHttp403() throws Exception {
        start(request -> CompletableFuture.failedFuture(new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET,
                "country_not_allowed", "exits in [xx] are not allowed")), Duration.ofSeconds(10));
        assertThat(socksConnect("example.org", 443)).isEqualTo(0x02);
        RawHttp.Response response = httpConnect("example.org:443");
        assertThat(response.status()).isEqualTo(403);
        assertThat(response.header("Proxy-Status"))
                .isEqualTo("torgate; error=http_request_denied; details=\"exits in [xx] are not allowed\"");
        assertThat(listener.count("routingRejected:country_not_allowed:NOT_ALLOWED_BY_RULESET")).isEqualTo(2);
        assertThat(gateway.activeTunnels()).isZero();
    }

    @Test
    void exitSelectionWithTheDirectRouterIsRefusedWith0x02() throws Exception {
        start(new DirectRouter(), Duration.ofSeconds(10));
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.login("bob-country-de", "any");
            assertThat(client.connectDomain("example.org", 443)).isEqualTo(0x02);
        }
    }

    @Test
    void routerThatThrowsIsAGeneralFailure() throws Exception {
        start(request -> {
            throw new IllegalStateException("router bug");
        }, Duration.ofSeconds(10));
        assertThat(socksConnect("example.org", 443)).isEqualTo(0x01);
        assertThat(listener.events()).contains("routingRejected:router_error:GENERAL_FAILURE");
        assertThat(gateway.activeTunnels()).isZero();
    }

    @Test
    void routerThatNeverAnswersTimesOutWith0x06AndHttp504() throws Exception {
        start(request -> new CompletableFuture<>(), Duration.ofMillis(300));
        assertThat(socksConnect("example.org", 443)).isEqualTo(0x06);
        RawHttp.Response response = httpConnect("example.org:443");
        assertThat(response.status()).isEqualTo(504);
        assertThat(response.header("Proxy-Status")).startsWith("torgate; error=connection_timeout;");
        assertThat(listener.count("routingRejected:timeout:TTL_EXPIRED")).isEqualTo(2);
        assertThat(gateway.activeTunnels()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08})
    void upstreamSocksReplyCodeIsPassedThrough(int code) throws Exception {
        try (FakeSocks5Upstream upstream = FakeSocks5Upstream.replying(code)) {
            start(new Socks5ChainRouter(upstream.address()), Duration.ofSeconds(10));
            assertThat(socksConnect("example.org", 443)).isEqualTo(code);
            assertThat(listener.events()).contains("upstreamFailed:" + SocksReply.of(code));
        }
    }

    @Test
    void upstreamHostUnreachableIsHttp502DestinationUnavailable() throws Exception {
        try (FakeSocks5Upstream upstream = FakeSocks5Upstream.replying(0x04)) {
            start(new Socks5ChainRouter(upstream.address()), Duration.ofSeconds(10));
            RawHttp.Response response = httpConnect("example.org:443");
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.header("Proxy-Status")).isEqualTo("torgate; error=destination_unavailable;"
                    + " details=\"the upstream proxy answered 0x04 (host unreachable)\"");
        }
    }

    @Test
    void upstreamThatNeverAnswersTimesOutWith0x06() throws Exception {
        try (FakeSocks5Upstream upstream = FakeSocks5Upstream.silent()) {
            start(new Socks5ChainRouter(upstream.address()), Duration.ofMillis(500));
            assertThat(socksConnect("example.org", 443)).isEqualTo(0x06);
            assertThat(upstream.requests()).hasSize(1);
            assertThat(listener.events()).contains("upstreamFailed:TTL_EXPIRED");
        }
    }

    @Test
    void unreachableUpstreamProxyIsAGeneralFailure() throws Exception {
        start(new Socks5ChainRouter(new InetSocketAddress("127.0.0.1", closedPort())), Duration.ofSeconds(10));
        assertThat(socksConnect("example.org", 443)).isEqualTo(0x01);
        RawHttp.Response response = httpConnect("example.org:443");
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.header("Proxy-Status")).startsWith("torgate; error=proxy_internal_error;");
    }

    @Test
    void unknownHostInDirectModeIs0x04AndDnsError() throws Exception {
        // A fake lookup: the test must not send DNS queries off this machine.
        start(new DirectRouter(), Duration.ofSeconds(10), new DirectResolver(host -> {
            throw new UnknownHostException(host);
        }));
        assertThat(socksConnect("no-such-host.test", 80)).isEqualTo(0x04);
        RawHttp.Response response = httpConnect("no-such-host.test:80");
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.header("Proxy-Status")).startsWith("torgate; error=dns_error;");
    }

    @Test
    void directModeResolvesNamesThroughItsResolverOnly() throws Exception {
        try (EchoServer echo = new EchoServer()) {
            start(new DirectRouter(), Duration.ofSeconds(10), new DirectResolver(host -> {
                assertThat(host).isEqualTo("echo.test");
                return InetAddress.getLoopbackAddress();
            }));
            try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
                client.login("bob", "any");
                assertThat(client.connectDomain("echo.test", echo.port())).isZero();
                assertThat(GatewaySocks5Test.roundTrip(client.socket(), "resolved")).isEqualTo("resolved");
            }
        }
    }
}
