package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Closing a network ends every tor process it started. Uses its own small network (1 exit, no middles) in
 * its own state directory, so it can close it without disturbing the shared one.
 */
class TestNetworkCloseTest {

    @Test
    void closeEndsEveryTorProcessTheNetworkStartedAndStopsItsServers() throws Exception {
        Path state = TestNetworkExtension.defaultStateDir().resolveSibling("testnet-close-state");
        TestNetwork net = TestNetwork.start(TestNetwork.Options.builder().stateDir(state).exits(1).middles(0)
                .exitCountries(List.of("at")).build());
        List<Long> pids;
        int whoamiPort = net.whoamiUrl().getPort();
        try {
            assertThat(net.relays()).hasSize(4);
            // a second network cannot run from the same state directory
            assertThatThrownBy(() -> TestNetwork.start(TestNetwork.Options.builder().stateDir(state).build()))
                    .isInstanceOf(TestNetworkException.class).hasMessageContaining("in use by another test network");
            assertThat(net.exits()).singleElement().satisfies(e -> assertThat(e.country()).isEqualTo("at"));
            // a restart adds a process to the list the network must end
            String exit = net.exits().get(0).fingerprint();
            net.stopRelay(exit);
            net.startRelay(exit);
            pids = net.startedPids();
            assertThat(pids).hasSize(5);
            assertThat(pids.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))).hasSize(4);
        } finally {
            net.close();
        }
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                .as("tor pid " + pid).isEmpty());
        assertThat(net.relays()).noneMatch(TestRelay::isRunning);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", whoamiPort), 1000);
            throw new AssertionError("whoami server still accepts connections after close");
        } catch (java.net.ConnectException expected) {
            // closed, as it should be
        }
        net.close(); // idempotent
    }
}
