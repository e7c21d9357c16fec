package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.testing.FakeSocks5Upstream;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TunnelObserver#watch}: a route that learns why its upstream cannot succeed ends the CONNECT at once with
 * that cause (SOCKS5 0x04, HTTP 502 with Proxy-Status dns_error), whether the cause comes before the upstream's
 * reply, or just after a failure reply; without a cause the reply and the connect timeout speak as before, and
 * every HTTP CONNECT ends with a status line.
 */
class UpstreamWatchTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private FakeSocks5Upstream upstream;
    private Gateway gateway;
    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** Routes every request to the upstream; its observer watches as {@code watch} says and records the calls. */
    private final class WatchingRouter implements Router {
        final Function<InetSocketAddress, CompletionStage<UpstreamCause>> watch;
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<UpstreamCause>> watches = new CopyOnWriteArrayList<>();

        WatchingRouter(Function<InetSocketAddress, CompletionStage<UpstreamCause>> watch) {
            this.watch = watch;
        }

        @Override
        public CompletionStage<Route> route(ConnectRequest request) {
            return CompletableFuture.completedFuture(Route.socks5(upstream.address(), "u", "p").withPipelinedHandshake()
                    .withObserver(new TunnelObserver() {
                        @Override
                        public CompletionStage<UpstreamCause> watch(InetSocketAddress upstreamLocal) {
                            calls.add("watch:" + (upstreamLocal != null));
                            CompletionStage<UpstreamCause> w = watch.apply(upstreamLocal);
                            if (w != null) {
                                watches.add(w.toCompletableFuture());
                            }
                            return w;
                        }

                        @Override
                        public java.util.Optional<RoutingException> explainReply(int code) {
                            // As tor-pool names tor's extended onion errors.
                            return code == 0xF0 ? java.util.Optional.of(new RoutingException(SocksReply.HOST_UNREACHABLE,
                                    "onion_not_found", "the onion service's descriptor was not found"))
                                    : java.util.Optional.empty();
                        }

                        @Override
                        public void failed(SocksReply reply, Throwable cause) {
                            calls.add("failed:" + reply);
                        }
                    }));
        }
    }

    private void start(FakeSocks5Upstream up, WatchingRouter router) throws Exception {
        upstream = up;
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router)
                .connectTimeout(CONNECT_TIMEOUT).listener(listener).build());
    }

    private int socksConnect() throws Exception {
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address())) {
            c.greet(Socks5TestClient.NO_AUTH);
            return c.connectDomain("nonexistent.invalid", 80);
        }
    }

    private RawHttp.Response httpConnect() throws Exception {
        try (Socket s = new Socket(gateway.address().getAddress(), gateway.address().getPort())) {
            s.setSoTimeout(15_000);
            RawHttp.send(s, "CONNECT nonexistent.invalid:443 HTTP/1.1\r\nHost: nonexistent.invalid:443\r\n\r\n");
            return RawHttp.read(s);
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void aCauseWhileTheUpstreamIsSilentEndsTheConnectAtOnce() throws Exception {
        WatchingRouter router = new WatchingRouter(local -> CompletableFuture.supplyAsync(() -> UpstreamCause.DNS_ERROR,
                CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS)));
        start(FakeSocks5Upstream.silent(), router);

        long t0 = System.nanoTime();
        assertThat(socksConnect()).isEqualTo(0x04);
        assertThat(millisSince(t0)).as("the upstream never answers: the watch did").isLessThan(2_000);

        t0 = System.nanoTime();
        RawHttp.Response r = httpConnect();
        assertThat(millisSince(t0)).isLessThan(2_000);
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("Proxy-Status")).startsWith("torgate; error=dns_error; details=\"the destination host name"
                + " could not be resolved");
        assertThat(router.calls).containsExactly("watch:true", "failed:HOST_UNREACHABLE", "watch:true",
                "failed:HOST_UNREACHABLE");
        assertThat(listener.events()).contains("upstreamFailed:HOST_UNREACHABLE");
        // The upstream connections are closed, not left to the upstream's own timeouts.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections() == 0);
    }

    @Test
    void aFailureReplyWaitsBrieflyForTheCauseThatExplainsIt() throws Exception {
        CompletableFuture<UpstreamCause> late = new CompletableFuture<>();
        WatchingRouter router = new WatchingRouter(local -> late);
        start(FakeSocks5Upstream.replying(0x04), router);
        CompletableFuture<RawHttp.Response> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return httpConnect();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !upstream.requests().isEmpty());
        late.complete(UpstreamCause.DNS_ERROR);
        RawHttp.Response r = answer.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("Proxy-Status")).contains("error=dns_error");
    }

    @Test
    void aGeneralFailureOfAnUpstreamWhoseRouterFoundNoCircuitIsAnsweredAsUnreachableWithTheReason() throws Exception {
        WatchingRouter router = new WatchingRouter(local -> CompletableFuture.supplyAsync(() -> UpstreamCause.NO_CIRCUIT,
                CompletableFuture.delayedExecutor(100, java.util.concurrent.TimeUnit.MILLISECONDS)));
        start(FakeSocks5Upstream.replying(0x01), router);
        RawHttp.Response r = httpConnect();
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("Proxy-Status")).contains("error=destination_unavailable")
                .contains("no circuit through the exit this connection needs could be built");
        assertThat(socksConnect()).as("not 0x01: the cause is known").isEqualTo(0x04);
    }

    @Test
    void anUpstreamsOwnReplyCodeTheRouterCanNameIsAnsweredInItsWords() throws Exception {
        WatchingRouter router = new WatchingRouter(local -> null);
        start(FakeSocks5Upstream.replying(0xF0), router);
        assertThat(socksConnect()).as("a standard code, not 0xF0").isEqualTo(0x04);
        RawHttp.Response r = httpConnect();
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("Proxy-Status")).contains("descriptor was not found");
    }

    @Test
    void anUpstreamCodeTheRouterCannotNamePassesThroughAsItIs() throws Exception {
        WatchingRouter router = new WatchingRouter(local -> null);
        start(FakeSocks5Upstream.replying(0x05), router);
        assertThat(socksConnect()).isEqualTo(0x05);
        assertThat(httpConnect().header("Proxy-Status")).contains("0x05");
    }

    @Test
    void withoutACauseTheReplyCodeSpeaksAfterTheGrace() throws Exception {
        WatchingRouter router = new WatchingRouter(local -> new CompletableFuture<>());
        start(FakeSocks5Upstream.replying(0x04), router);

        long t0 = System.nanoTime();
        RawHttp.Response r = httpConnect();
        assertThat(millisSince(t0)).isBetween(ConnectAttempt.EXPLAIN_GRACE.toMillis() - 50, 3_000L);
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("Proxy-Status")).contains("error=destination_unavailable", "0x04");
        assertThat(socksConnect()).isEqualTo(0x04);
        // Each attempt cancelled its watch when it ended.
        assertThat(router.watches).hasSize(2).allSatisfy(w -> assertThat(w).isCancelled());
    }

    @Test
    void aRouterWithNothingToWatchIsNotWaitedFor() throws Exception {
        WatchingRouter router = new WatchingRouter(local -> null);
        start(FakeSocks5Upstream.replying(0x05), router);
        long t0 = System.nanoTime();
        assertThat(socksConnect()).isEqualTo(0x05);
        assertThat(millisSince(t0)).isLessThan(ConnectAttempt.EXPLAIN_GRACE.toMillis());
    }

    @Test
    void aSilentUpstreamWithoutACauseEndsInTheTimeoutWithAStatusLine() throws Exception {
        WatchingRouter router = new WatchingRouter(local -> CompletableFuture.completedFuture(null));
        start(FakeSocks5Upstream.silent(), router);
        long t0 = System.nanoTime();
        RawHttp.Response r = httpConnect();
        assertThat(millisSince(t0)).isBetween(CONNECT_TIMEOUT.toMillis() - 100, CONNECT_TIMEOUT.toMillis() + 3_000);
        assertThat(r.statusLine()).startsWith("HTTP/1.1 504");
        assertThat(r.header("Proxy-Status")).startsWith("torgate; error=connection_timeout");
    }
}
