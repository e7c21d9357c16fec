package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.testing.FakeSocks5Upstream;
import io.torgate.gateway.testing.Socks5TestClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Over real sockets: a route with {@link Route#withPipelinedHandshake()} sends greeting, login and CONNECT to its
 * SOCKS5 upstream in one go, an upstream that knows no logins is dialled step by step instead (and from then on),
 * and a route without it talks to the upstream exactly as before (Netty's client, both methods offered).
 */
class PipelinedUpstreamHandshakeTest {

    private Gateway gateway;

    private void start(Router router) throws GatewayStartException {
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(router)
                // Long enough for any CI machine; an upstream waiting for pipelined requests would hit it.
                .connectTimeout(Duration.ofSeconds(10))
                .build());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private int connectAndEcho(String text) throws Exception {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.login("alice", "pw");
            int reply = client.connectDomain("example.onion", 80);
            if (reply == 0) {
                assertThat(GatewaySocks5Test.roundTrip(client.socket(), text)).isEqualTo(text);
            }
            return reply;
        }
    }

    @Test
    void chainRouterSendsTheWholeHandshakeWithoutWaitingAndTheBannerReachesTheClient() throws Exception {
        byte[] banner = "220 hello\r\n".getBytes(StandardCharsets.US_ASCII);
        try (FakeSocks5Upstream upstream = FakeSocks5Upstream.requiringPipelining(banner)) {
            start(new Socks5ChainRouter(upstream.address(), new IsolationCredentials(new byte[32])));
            try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
                client.login("alice", "pw");
                assertThat(client.connectDomain("example.onion", 25)).isZero();
                assertThat(client.in().readNBytes(banner.length)).isEqualTo(banner);
                assertThat(GatewaySocks5Test.roundTrip(client.socket(), "ping")).isEqualTo("ping");
            }
            assertThat(upstream.greetings()).containsExactly(List.of(2));
            FakeSocks5Upstream.Request request = upstream.requests().get(0);
            assertThat(request.addressType()).as("ATYP DOMAINNAME").isEqualTo(3);
            assertThat(request.address()).isEqualTo("example.onion");
            assertThat(request.username()).startsWith("tg-");
        }
    }

    @Test
    void anUpstreamWithoutLoginsIsDialledStepByStepFromThenOn() throws Exception {
        try (FakeSocks5Upstream upstream = FakeSocks5Upstream.withoutLogins()) {
            start(new Socks5ChainRouter(upstream.address()));
            assertThat(connectAndEcho("one")).isZero();
            assertThat(connectAndEcho("two")).isZero();
            assertThat(upstream.greetings()).as("pipelined (login only), again step by step, then step by step")
                    .containsExactly(List.of(2), List.of(0, 2), List.of(0, 2));
            assertThat(upstream.requests()).hasSize(2);
        }
    }

    @Test
    void aRouteWithoutPipeliningTalksStepByStepAsBefore() throws Exception {
        try (FakeSocks5Upstream upstream = FakeSocks5Upstream.replying(0)) {
            start(request -> CompletableFuture.completedFuture(Route.socks5(upstream.address(), "u", "p")));
            assertThat(connectAndEcho("ping")).isZero();
            assertThat(upstream.greetings()).containsExactly(List.of(0, 2));
        }
    }

    @Test
    void aStepByStepRouteCannotTalkToAnUpstreamThatOnlyAnswersPipelinedRequests() throws Exception {
        // The control for the first test: the fake upstream really does tell the two apart.
        try (FakeSocks5Upstream upstream = FakeSocks5Upstream.requiringPipelining(new byte[0])) {
            gateway = Gateway.start(GatewayConfig.builder()
                    .listen(new InetSocketAddress("127.0.0.1", 0))
                    .router(request -> CompletableFuture.completedFuture(Route.socks5(upstream.address(), "u", "p")))
                    .connectTimeout(Duration.ofMillis(500))
                    .build());
            assertThat(connectAndEcho("ping")).as("TTL expired: the upstream waits for a login never sent")
                    .isEqualTo(0x06);
        }
    }
}
