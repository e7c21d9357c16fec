package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.torpool.testnet.TestRelay.Role;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestNetworkExtension.class)
class TestNetworkTest {

    @Test
    void bootstrapsWithThreeAuthoritiesMiddlesAndExitsAllRunning(TestNetwork net) {
        List<TestRelay> relays = net.relays();
        assertThat(relays).filteredOn(r -> r.role() == Role.AUTHORITY).hasSize(3);
        assertThat(relays).filteredOn(r -> r.role() == Role.MIDDLE).hasSize(3);
        assertThat(net.exits()).hasSize(4).allMatch(TestRelay::isExit);
        assertThat(net.exits()).extracting(TestRelay::country).containsExactly("de", "us", "nl", "fr");
        assertThat(relays).allSatisfy(r -> {
            assertThat(r.fingerprint()).matches("[0-9A-F]{40}");
            assertThat(r.address()).startsWith("127.0.0.");
            assertThat(ProcessHandle.of(r.pid()).map(ProcessHandle::isAlive)).contains(true);
        });
        assertThat(relays).extracting(TestRelay::address).doesNotHaveDuplicates();
    }
}
