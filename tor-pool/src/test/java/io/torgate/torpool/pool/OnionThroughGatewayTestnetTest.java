package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.Socks5TestClient;
import io.torgate.torpool.control.StreamEvent;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.OnionHost;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code .onion} through the gateway, on the testnet's own onion service ({@link OnionHost}): tor builds the
 * rendezvous circuits itself (torgate hands such streams back), users stay isolated, exit options and malformed
 * names are refused with their reason before tor is asked.
 */
@ExtendWith(TestNetworkExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnionThroughGatewayTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(OnionThroughGatewayTestnetTest.class);

    @TempDir
    static Path dir;

    private OnionHost onion;
    private NodeDirectory directory;
    private TorPool pool;
    private TorPoolRouter router;
    private Gateway gateway;
    private String host;

    @BeforeAll
    void start(TestNetwork net) throws Exception {
        onion = OnionHost.start(net, dir.resolve("onion"), Duration.ofSeconds(30));
        host = onion.url().getHost();
        directory = NodeDirectory.open(NodeDirectoryConfig.builder().baseUrl(net.onionooUrl())
                .stateDir(dir.resolve("nodes")).httpTimeout(Duration.ofSeconds(5)).build());
        directory.refreshNow().get(30, TimeUnit.SECONDS);
        pool = TorPool.create(TorPool.configs(1, "onion", dir, b -> b.extraTorrc(net.clientTorrc())));
        pool.start().get(120, TimeUnit.SECONDS);
        router = TorPoolRouter.builder(pool).directory(directory).build();
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router)
                .connectTimeout(Duration.ofSeconds(30)).build());
    }

    @AfterAll
    void stop() {
        PoolShutdown.close(router, gateway, pool, directory);
        if (onion != null) {
            long pid = onion.pid();
            onion.close();
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("onion host's tor").isEmpty();
        }
    }

    private String page(String user) throws Exception {
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address())) {
            c.login(user, "x");
            int reply = c.connectDomain(host, 80);
            if (reply != 0) {
                throw new java.io.IOException("SOCKS5 reply 0x" + Integer.toHexString(reply) + " for " + user);
            }
            return Socks5Client.get(c.socket(), "/");
        }
    }

    /** curl with socks5h, as a user would: the name goes to the gateway unresolved. */
    private String curl(String user) throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "--max-time", "30", "--socks5-hostname",
                "127.0.0.1:" + gateway.address().getPort(), "-U", user + ":x", onion.url().toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(40, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void theOnionServiceAnswersThroughTheGatewayAndTwoUsersNeverShareACircuit() throws Exception {
        long t0 = System.nanoTime();
        // The service's descriptor reaches the HSDirs seconds after its tor starts: try until it does.
        String first = Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> page("alice-session-o"), body -> body.contains("\"client\""));
        log.info("MEASURE onion service first answered through the gateway {} ms after its tor started",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(first).contains("\"via\":\"direct\""); // the service's own tor reached whoami on loopback
        assertThat(page("bob")).contains("\"client\"");
        assertThat(curl("carol-session-c")).contains("\"client\"");

        // Two users' connections held open at once: tor's own stream-status must put them on two circuits.
        List<Socks5TestClient> held = new ArrayList<>();
        try {
            for (String user : List.of("alice-session-o", "bob")) {
                Socks5TestClient c = Socks5TestClient.connect(gateway.address());
                c.login(user, "x");
                assertThat(c.connectDomain(host, 80)).as(user).isZero();
                held.add(c);
            }
            TorInstance tor = pool.instances().get(0);
            List<String> circuits = tor.control().orElseThrow().streamStatus().get(10, TimeUnit.SECONDS).stream()
                    .filter(st -> st.status() == StreamEvent.Status.SUCCEEDED && st.target().contains(".onion"))
                    .map(StreamEvent::circuitId).toList();
            assertThat(circuits).hasSize(2).doesNotHaveDuplicates();
        } finally {
            for (Socks5TestClient c : held) {
                c.close();
            }
        }
    }

    @Test
    void exitOptionsAndMalformedNamesAreRefusedWithTheirReasonBeforeTorIsAsked() throws Exception {
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address())) {
            c.login("alice-country-de", "x");
            assertThat(c.connectDomain(host, 80)).as("NOT_ALLOWED_BY_RULESET").isEqualTo(0x02);
        }
        String typo = "e" + host.substring(1);
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address())) {
            c.login("alice", "x");
            assertThat(c.connectDomain(typo, 80)).as("HOST_UNREACHABLE").isEqualTo(0x04);
        }
        try (Socket s = new Socket()) {
            s.connect(gateway.address(), 5_000);
            s.setSoTimeout(20_000);
            RawHttp.send(s, "CONNECT " + host + ":80 HTTP/1.1\r\nHost: " + host + ":80\r\nProxy-Authorization: "
                    + RawHttp.basic("alice-exclude-us", "x") + "\r\n\r\n");
            RawHttp.Response r = RawHttp.read(s);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Proxy-Status")).contains("do not apply to onion services");
        }
        try (Socket s = new Socket()) {
            s.connect(gateway.address(), 5_000);
            s.setSoTimeout(20_000);
            RawHttp.send(s, "CONNECT abc.onion:80 HTTP/1.1\r\nHost: abc.onion:80\r\nProxy-Authorization: "
                    + RawHttp.basic("alice", "x") + "\r\n\r\n");
            RawHttp.Response r = RawHttp.read(s);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Proxy-Status")).contains("56 characters");
        }
    }

    @Test
    void anOnionNameWithoutADescriptorGetsTorsReasonInWordsWithinTheConnectTimeout() throws Exception {
        String nowhere = OnionAddressTest.VALID.replace(".onion", "").substring(0, 56);
        assertThat(OnionAddress.problem(nowhere + ".onion")).as("well formed").isEmpty();
        long t0 = System.nanoTime();
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address())) {
            c.login("alice", "x");
            assertThat(c.connectDomain(nowhere + ".onion", 80)).as("HOST_UNREACHABLE, not tor's 0xF0").isEqualTo(0x04);
        }
        long socksMs = (System.nanoTime() - t0) / 1_000_000;
        try (Socket s = new Socket()) {
            s.connect(gateway.address(), 5_000);
            s.setSoTimeout(40_000);
            String target = nowhere + ".onion:80";
            RawHttp.send(s, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: "
                    + RawHttp.basic("bob", "x") + "\r\n\r\n");
            RawHttp.Response r = RawHttp.read(s);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Proxy-Status")).contains("descriptor was not found");
        }
        log.info("MEASURE onion name without a descriptor answered over SOCKS5 in {} ms", socksMs);
        assertThat(socksMs).as("within the connect timeout").isLessThan(30_000);
    }
}
