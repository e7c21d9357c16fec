package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.process.Torrc;
import io.torgate.torpool.process.TorLogScrubber;
import io.torgate.torpool.support.LogCapture;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 of a pool instance that carried a connection to an IP address leaves no trace of that destination
 * in torgate's log at INFO: tor's last lines ("Your application (using socks5 to port N) is giving Tor only an IP
 * address"), repeated in the restart reason by {@link TorInstance} (WARN and INFO) and {@link TorPoolRouter}
 * (INFO, closing the instance's tunnels), are scrubbed unless destinations are to be logged.
 */
@ExtendWith(TestNetworkExtension.class)
class TorLogScrubTestnetTest {

    @TempDir
    Path dir;

    private TorPool pool;
    private Gateway gateway;

    @AfterEach
    void stop() {
        PoolShutdown.close(gateway, pool);
    }

    @Test
    void torsLastLinesInTheRestartReasonAreScrubbed(TestNetwork net) throws Exception {
        // tor's app-domain notices are off by default (see InstanceTorrc); turned on here so tor's log names the
        // port, as other tor lines may: what torgate repeats must still be scrubbed.
        Killed k = connectThenKill(net, "scrub", false, new Torrc().set("Log", "[app]notice stdout"));
        assertNoDestination(k);
        assertThat(k.lines()).as("tor's message stays readable")
                .anyMatch(l -> l.contains("(using socks5 to port " + TorLogScrubber.PLACEHOLDER + ") is giving Tor only an IP address"));
    }

    @Test
    void withLogDestinationsOnTorsLinesAreRepeatedAsTheyAre(TestNetwork net) throws Exception {
        Killed k = connectThenKill(net, "keep", true, new Torrc());
        assertThat(k.lines()).anyMatch(l -> l.contains("(using socks5 to port " + k.port() + ") is giving Tor only an IP address"));
    }

    record Killed(int port, long oldPid, long newPid, List<String> lines) { }

    /**
     * A one-instance pool behind the gateway; a client connects to the whoami server by IP address (the gateway
     * hands tor the address as given), fetches a page and holds a second tunnel open; then tor is SIGKILLed and
     * comes back. Returns what torgate logged at INFO and above meanwhile.
     */
    /** By default tor's own log file names no destination port: its app-domain notices are off. */
    @Test
    void torsOwnLogFileNamesNoDestinationPortByDefault(TestNetwork net) throws Exception {
        pool = TorPool.create(TorPool.configs(1, "quiet", dir, b -> b.extraTorrc(net.clientTorrc())));
        pool.start().get(120, TimeUnit.SECONDS);
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new TorPoolRouter(pool)).build());
        int port = net.whoamiUrl().getPort();
        try (Socket s = Socks5Client.connect(gateway.address(), "127.0.0.1", port, "erin", "x", 30_000)) {
            assertThat(Socks5Client.get(s, "/")).contains("fingerprint");
        }
        TorInstance instance = pool.instance("quiet0").orElseThrow();
        assertThat(String.join("\n", Files.readAllLines(instance.logFile())))
                .contains("Bootstrapped 100%")
                .doesNotContain("to port " + port).doesNotContain("127.0.0.1:" + port);
    }

    private Killed connectThenKill(TestNetwork net, String name, boolean logDestinations, Torrc more) throws Exception {
        pool = TorPool.create(TorPool.configs(1, name, dir,
                b -> b.extraTorrc(net.clientTorrc().addAll(more)).logDestinations(logDestinations)));
        pool.start().get(120, TimeUnit.SECONDS);
        TorPoolRouter router = new TorPoolRouter(pool);
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router).build());
        String instanceName = name + "0";
        TorInstance instance = pool.instance(instanceName).orElseThrow();
        int port = net.whoamiUrl().getPort();
        try (LogCapture logs = new LogCapture("io.torgate");
             Socket held = Socks5Client.connect(gateway.address(), "127.0.0.1", port, "carol", "x", 30_000)) {
            try (Socket s = Socks5Client.connect(gateway.address(), "127.0.0.1", port, "dave", "x", 30_000)) {
                assertThat(Socks5Client.get(s, "/")).contains("fingerprint");
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> router.liveTunnels(instanceName) == 1);
            long oldPid = instance.pid().orElseThrow();
            // What the restart reason will quote: tor's last lines, naming the destination's port.
            assertThat(String.join("\n", lastLines(instance.logFile(), 3)))
                    .contains("Your application (using socks5 to port " + port + ") is giving Tor only an IP address");
            ProcessHandle.of(oldPid).orElseThrow().destroyForcibly(); // SIGKILL
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> instance.state() == InstanceState.READY
                            && instance.pid().isPresent() && instance.pid().getAsLong() != oldPid);
            held.setSoTimeout(10_000);
            assertThat(held.getInputStream().read()).as("the held tunnel was closed with its instance").isEqualTo(-1);
            List<String> lines = logs.atLeast(Level.INFO);
            String exit = "tor instance '" + instanceName + "' is RESTARTING: tor exited with code";
            assertThat(lines).as("the restart is still logged, with tor's exit, by the instance and the router")
                    .anyMatch(l -> l.startsWith("WARN ") && l.contains("tor instance '" + instanceName + "' restarting in")
                            && l.contains("tor exited with code"))
                    .anyMatch(l -> l.startsWith("INFO ") && l.contains("-> RESTARTING (tor exited with code"))
                    .anyMatch(l -> l.startsWith("INFO ") && l.contains("closing 1 tunnel(s) of " + exit));
            return new Killed(port, oldPid, instance.pid().getAsLong(), lines);
        }
    }

    /** Neither the destination's address:port nor its port number on its own, anywhere (PIDs aside). */
    private static void assertNoDestination(Killed k) {
        Pattern portNumber = Pattern.compile("(?<!\\d)" + k.port() + "(?!\\d)");
        for (String line : k.lines()) {
            String withoutPids = line.replace("pid " + k.oldPid(), "pid").replace("pid " + k.newPid(), "pid");
            assertThat(withoutPids).doesNotContain("127.0.0.1:" + k.port());
            assertThat(portNumber.matcher(withoutPids).find()).as("port %d in: %s", k.port(), line).isFalse();
        }
    }

    private static List<String> lastLines(Path file, int n) throws Exception {
        List<String> all = Files.readAllLines(file);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }
}
