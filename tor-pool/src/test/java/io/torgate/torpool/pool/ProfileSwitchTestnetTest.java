package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tor behaviour exit re-profiling relies on: after {@code SETCONF ExitNodes}, no new stream uses a circuit
 * built before — whether its isolation credential is old (it has a circuit to another exit) or new (tor has
 * clean pre-built circuits) — while setting the same value again keeps circuits.
 */
@ExtendWith(TestNetworkExtension.class)
class ProfileSwitchTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(ProfileSwitchTestnetTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Whoami's exit and the circuit tor used. */
    private static String[] fetch(TorInstance i, TestNetwork net, String user) throws Exception {
        long before = System.nanoTime();
        try (Socket s = Socks5Client.connect(i.socksAddress().orElseThrow(), "127.0.0.1", net.whoamiUrl().getPort(),
                user, "pw", 30_000)) {
            String seen = JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText("none");
            StreamExit exit = i.exitFor(s.getLocalPort(), before).get(10, TimeUnit.SECONDS);
            return new String[] {seen, exit.circuitId()};
        }
    }

    @Test
    void afterAnExitNodesChangeEveryStreamUsesTheNewExitAndAnUnchangedValueKeepsCircuits(TestNetwork net) throws Exception {
        try (TorInstance i = TorInstance.create(TorInstanceConfig.builder("switch", dir).extraTorrc(net.clientTorrc()).build())) {
            i.start().get(90, TimeUnit.SECONDS);
            TorControl c = i.control().orElseThrow();
            List<TestRelay> exits = net.exits();
            List<Long> setconfMicros = new ArrayList<>();
            for (String u : List.of("old1", "old2")) {
                fetch(i, net, u); // circuits under "any exit"
            }
            TestRelay current = null;
            for (int k = 0; k < 2; k++) {
                TestRelay x = exits.get(k);
                current = x;
                long t0 = System.nanoTime();
                c.setConf(ExitProfile.one(x.fingerprint()).torOptions()).get(10, TimeUnit.SECONDS);
                setconfMicros.add((System.nanoTime() - t0) / 1000);
                for (String u : List.of("old1", "old2", "new" + k)) {
                    assertThat(fetch(i, net, u)[0]).as(u + " after switching to " + x.nickname()).isEqualTo(x.fingerprint());
                }
            }
            log.info("MEASURE SETCONF ExitNodes round trips (us): {}", setconfMicros);

            String before = fetch(i, net, "keep")[1];
            c.setConf(ExitProfile.one(current.fingerprint()).torOptions()).get(10, TimeUnit.SECONDS);
            assertThat(fetch(i, net, "keep")[1]).as("the same ExitNodes again keeps the circuit").isEqualTo(before);

            c.resetConf(ExitProfile.ANY.torOptions().keySet()).get(10, TimeUnit.SECONDS);
            assertThat(fetch(i, net, "keep")[1]).as("RESETCONF is a change too").isNotEqualTo(before);
        }
    }
}
