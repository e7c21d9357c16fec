package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.support.Socks5Client;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network of 24 exits in 24 countries, on its own state directory: the scale issue 11 must show offline. It
 * bootstraps, and a pool instance gets through each of the 24 exits.
 */
class TestNetworkScaleTest {

    private static final Logger log = LoggerFactory.getLogger(TestNetworkScaleTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXITS = 24;

    @TempDir
    Path dir;

    @Test
    void aNetworkOf24ExitsIn24CountriesBootstrapsAndEachExitCarriesTraffic() throws Exception {
        Path state = TestNetworkExtension.freeStateDir(
                TestNetworkExtension.defaultStateDir().resolveSibling("testnet-state-" + EXITS + "-exits"));
        long t0 = System.nanoTime();
        List<Long> pids;
        try (TestNetwork net = TestNetwork.start(TestNetwork.Options.builder().stateDir(state).exits(EXITS)
                .bootstrapTimeout(Duration.ofSeconds(180)).build())) {
            long started = System.nanoTime();
            log.info("MEASURE {} relays ({} exits) to a complete consensus in {} ms", net.relays().size(), EXITS,
                    (started - t0) / 1_000_000);
            assertThat(net.exits()).hasSize(EXITS);
            assertThat(net.exits()).extracting(TestRelay::country).doesNotHaveDuplicates();
            assertThat(net.relays()).extracting(TestRelay::subnet16).hasSize(net.relays().size())
                    .doesNotContain("127.0.0.0/16").filteredOn(s -> s.equals(net.sameSubnetPair().orElseThrow()
                            .middle().subnet16())).hasSize(2);
            Consensus c = net.latestConsensus().orElseThrow();
            assertThat(net.exits()).allSatisfy(e -> assertThat(c.entry(e.fingerprint()).orElseThrow().flags())
                    .contains("Exit", "Running", "Valid"));

            try (TorInstance i = TorInstance.create(TorInstanceConfig.builder("scale", dir)
                    .extraTorrc(net.clientTorrc()).build())) {
                i.start().get(90, TimeUnit.SECONDS);
                long ready = System.nanoTime();
                TorControl control = i.control().orElseThrow();
                for (TestRelay exit : net.exits()) {
                    control.setConf(Map.of("ExitNodes", exit.fingerprint(), "StrictNodes", "1")).get(10, TimeUnit.SECONDS);
                    try (Socket s = Socks5Client.connect(i.socksAddress().orElseThrow(), "127.0.0.1",
                            net.whoamiUrl().getPort(), "scale-" + exit.nickname(), "pw", 30_000)) {
                        assertThat(JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText())
                                .as(exit.nickname()).isEqualTo(exit.fingerprint());
                    }
                }
                log.info("MEASURE instance ready {} ms after the consensus; one fetch through each of {} exits in {} ms",
                        (ready - started) / 1_000_000, EXITS, (System.nanoTime() - ready) / 1_000_000);
            }
            pids = net.startedPids();
        }
        log.info("MEASURE {}-exit network test done in {} ms", EXITS, (System.nanoTime() - t0) / 1_000_000);
        assertThat(pids).hasSize(3 + 3 + EXITS).allSatisfy(pid ->
                assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty());
    }
}
