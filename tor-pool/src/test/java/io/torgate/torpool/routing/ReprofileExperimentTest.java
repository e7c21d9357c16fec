package io.torgate.torpool.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import java.net.Socket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Throwaway: how tor treats old circuits after SETCONF ExitNodes. */
@ExtendWith(TestNetworkExtension.class)
class ReprofileExperimentTest {
    private static final Logger log = LoggerFactory.getLogger(ReprofileExperimentTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String[] fetch(TorInstance i, TestNetwork net, String user) throws Exception {
        long before = System.nanoTime();
        try (Socket s = Socks5Client.connect(i.socksAddress().orElseThrow(), "127.0.0.1", net.whoamiUrl().getPort(), user, "pw", 30_000)) {
            String seen = JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText("none");
            StreamExit exit = i.exitFor(s.getLocalPort(), before).get(10, TimeUnit.SECONDS);
            return new String[] {seen, exit.circuitId()};
        }
    }

    @Test
    void experiment(TestNetwork net) throws Exception {
        try (TorInstance i = TorInstance.create(TorInstanceConfig.builder("exp", dir).extraTorrc(net.clientTorrc()).build())) {
            i.start().get(90, TimeUnit.SECONDS);
            TorControl c = i.control().orElseThrow();
            List<TestRelay> exits = net.exits();
            int stale = 0, staleTotal = 0, fresh = 0, freshTotal = 0;
            for (int k = 0; k < 12; k++) {
                for (String u : List.of("old1", "old2", "old3")) {
                    fetch(i, net, u); // builds / uses circuits under the current profile
                }
                TestRelay x = exits.get(k % exits.size());
                Map<String, String> conf = new LinkedHashMap<>();
                conf.put("ExitNodes", "$" + x.fingerprint());
                conf.put("StrictNodes", "1");
                long t0 = System.nanoTime();
                c.setConf(conf).get(10, TimeUnit.SECONDS);
                long setconfUs = (System.nanoTime() - t0) / 1000;
                long t1 = System.nanoTime();
                String[] first = fetch(i, net, "fresh-" + k + "-a");
                long firstMs = (System.nanoTime() - t1) / 1_000_000;
                freshTotal++;
                if (!first[0].equals(x.fingerprint())) {
                    fresh++;
                }
                for (String u : List.of("old1", "old2", "old3")) {
                    String[] r = fetch(i, net, u);
                    staleTotal++;
                    if (!r[0].equals(x.fingerprint())) {
                        stale++;
                        log.warn("EXP round {}: old credential {} went via {} (circuit {}), profile {}", k, u, r[0], r[1], x.nickname());
                    }
                }
                for (int f = 0; f < 3; f++) {
                    String[] r = fetch(i, net, "fresh-" + k + "-" + f);
                    freshTotal++;
                    if (!r[0].equals(x.fingerprint())) {
                        fresh++;
                        log.warn("EXP round {}: fresh credential went via {} (circuit {}), profile {}", k, r[0], r[1], x.nickname());
                    }
                }
                log.info("EXP round {}: SETCONF {} us, first fresh fetch {} ms (via {})", k, setconfUs, firstMs, first[0].equals(x.fingerprint()) ? "right" : "WRONG");
            }
            log.info("EXP summary: stale credentials wrong {}/{}, fresh wrong {}/{}", stale, staleTotal, fresh, freshTotal);
            // Same value again: are circuits kept?
            String[] a = fetch(i, net, "keep");
            TestRelay x = exits.get(0);
            c.setConf(Map.of("ExitNodes", "$" + x.fingerprint() + ",$" + exits.get(1).fingerprint(), "StrictNodes", "1")).get(10, TimeUnit.SECONDS);
            String[] b = fetch(i, net, "keep");
            c.setConf(Map.of("ExitNodes", "$" + x.fingerprint() + ",$" + exits.get(1).fingerprint(), "StrictNodes", "1")).get(10, TimeUnit.SECONDS);
            String[] d = fetch(i, net, "keep");
            log.info("EXP keep: circuit {} -> (changed set) {} -> (same set again) {}", a[1], b[1], d[1]);
            c.setConf(Map.of("ExitNodes", "", "StrictNodes", "")).get(10, TimeUnit.SECONDS);
            String[] e = fetch(i, net, "keep");
            log.info("EXP reset: circuit {} ", e[1]);
        }
    }
}
