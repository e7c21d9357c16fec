package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.testing.Curl;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CONNECT to a name the exit cannot resolve answers promptly and the same way every time, through real tor on
 * the testnet and the real gateway, with curl: SOCKS5 {@code 0x04}, HTTP {@code 502} with
 * {@code Proxy-Status: torgate; error=dns_error}. Before, tor's retries on other exits (and, on the testnet,
 * exits whose resolver never answered) made the answer come anywhere from at once to the connect timeout.
 */
@ExtendWith(TestNetworkExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnresolvableNamesTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(UnresolvableNamesTestnetTest.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Well below the connect timeout: the answer must come from the exit's word, not from a timer. */
    private static final long PROMPT_MILLIS = 4_000;

    @TempDir
    static Path dir;

    private TestNetwork net;
    private TorPool pool;
    private Gateway gateway;

    @BeforeAll
    void startPoolAndGateway(TestNetwork net) throws Exception {
        this.net = net;
        pool = TorPool.create(TorPool.configs(2, "dns", dir, b -> b.extraTorrc(net.clientTorrc())));
        List<TorInstance> ready = pool.start().get(120, TimeUnit.SECONDS);
        assertThat(ready).hasSize(2);
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new TorPoolRouter(pool)).connectTimeout(CONNECT_TIMEOUT).build());
    }

    @AfterAll
    void stopAll() {
        PoolShutdown.close(gateway, pool);
    }

    private String proxy() {
        return "127.0.0.1:" + gateway.address().getPort();
    }

    /** One curl and how long it took. */
    private record Timed(String what, Curl.Result result, long millis) { }

    private Timed socks(String user, String host) throws Exception {
        long t0 = System.nanoTime();
        Curl.Result r = Curl.run("--max-time", "25", "--socks5-hostname", proxy(), "-U", user + ":x",
                "http://" + host + "/");
        return new Timed("SOCKS5 " + user + " " + host, r, (System.nanoTime() - t0) / 1_000_000);
    }

    private Timed http(String user, String host) throws Exception {
        long t0 = System.nanoTime();
        Curl.Result r = Curl.run("--max-time", "25", "-v", "-p", "-x", "http://" + user + ":x@" + proxy(),
                "http://" + host + "/");
        return new Timed("HTTP " + user + " " + host, r, (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void concurrentConnectsToUnresolvableNamesAllAnswerPromptlyWithTheDnsError() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<Timed>> socks = new ArrayList<>();
            List<Future<Timed>> http = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // Distinct names and one shared by several (tor counts resolve failures per name), plain users
                // and sessions (each its own circuit).
                String host = i < 4 ? "nonexistent" + i + ".invalid" : "shared-nonexistent.invalid";
                String user = i % 2 == 0 ? "dns" + i : "dns" + i + "-session-s" + i;
                socks.add(clients.submit(() -> socks(user, host)));
                http.add(clients.submit(() -> http(user + "h", "h" + host)));
            }
            for (Future<Timed> f : socks) {
                Timed t = f.get(60, TimeUnit.SECONDS);
                log.info("MEASURE {} answered in {} ms: exit {} {}", t.what(), t.millis(), t.result().exitCode(),
                        t.result().stderr().trim());
                assertThat(t.result().exitCode()).as(t.what() + ": " + t.result()).isEqualTo(97);
                // curl names the SOCKS5 reply code in parentheses.
                assertThat(t.result().stderr()).as(t.what()).contains("Can't complete SOCKS5 connection", "(4)");
                assertThat(t.millis()).as(t.what()).isLessThan(PROMPT_MILLIS);
            }
            for (Future<Timed> f : http) {
                Timed t = f.get(60, TimeUnit.SECONDS);
                String err = t.result().stderr();
                log.info("MEASURE {} answered in {} ms: {}", t.what(), t.millis(),
                        err.lines().filter(l -> l.startsWith("< HTTP") || l.startsWith("< Proxy-Status")).toList());
                assertThat(err).as(t.what() + ": " + err).contains("< HTTP/1.1 502 Bad Gateway")
                        .contains("< Proxy-Status: torgate; error=dns_error; details=\"the destination host name could"
                                + " not be resolved");
                assertThat(t.millis()).as(t.what()).isLessThan(PROMPT_MILLIS);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void afterAFailedNameTheSameUserStillReachesAnAddress() throws Exception {
        Timed failed = socks("dnsafter-session-a1", "gone.invalid");
        assertThat(failed.result().stderr()).contains("(4)");
        String whoami = "127.0.0.1:" + net.whoamiUrl().getPort();
        Curl.Result ok = Curl.run("--socks5-hostname", proxy(), "-U", "dnsafter-session-a1:x", "http://" + whoami + "/");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("fingerprint");
    }
}
