package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.support.Socks5Client;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A running pool grows and shrinks on the testnet, and the router follows. */
@ExtendWith(TestNetworkExtension.class)
class TorPoolScalingTestnetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private TorPool pool;
    private Gateway gateway;
    private final List<TorInstance> removed = new ArrayList<>();

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        List<Long> pids = new ArrayList<>();
        removed.forEach(i -> i.pid().ifPresent(pids::add));
        if (pool != null) {
            pool.instances().forEach(i -> i.pid().ifPresent(pids::add));
            pool.close();
        }
        removed.forEach(TorInstance::close);
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty());
    }

    private static String whoami(Socket s) throws Exception {
        return JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText("none");
    }

    @Test
    void anAddedInstanceIsRoutedToAndARemovedOneGetsNoNewTunnelsButKeepsItsLiveOnes(TestNetwork net) throws Exception {
        pool = TorPool.create(TorPool.configs(1, "scale", dir, b -> b.extraTorrc(net.clientTorrc())));
        pool.start().get(120, TimeUnit.SECONDS);
        TorPoolRouter router = new TorPoolRouter(pool);
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router).build());
        int whoamiPort = net.whoamiUrl().getPort();

        try (Socket first = Socks5Client.connect(gateway.address(), "127.0.0.1", whoamiPort, "u1", "x", 30_000)) {
            assertThat(router.liveTunnels("scale0")).isEqualTo(1);

            TorInstance added = pool.add(TorInstanceConfig.builder("scale1", dir).extraTorrc(net.clientTorrc()).build());
            added.start().get(120, TimeUnit.SECONDS);
            assertThat(added.state()).isEqualTo(InstanceState.READY);

            // scale0 carries one tunnel, scale1 none: the fewest-tunnels selector must now pick scale1.
            try (Socket second = Socks5Client.connect(gateway.address(), "127.0.0.1", whoamiPort, "u2", "x", 30_000)) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> router.liveTunnels("scale1") == 1);

                TorInstance gone = pool.remove("scale1").orElseThrow();
                removed.add(gone);
                // Drain: the tunnel opened through the removed instance before its removal still carries traffic ...
                assertThat(router.liveTunnels("scale1")).isEqualTo(1);
                assertThat(whoami(second)).as("the added instance's tunnel works after removal").hasSize(40);
                // ... but new tunnels only go to the instances still in the pool.
                for (String user : List.of("u3", "u4", "u5")) {
                    try (Socket s = Socks5Client.connect(gateway.address(), "127.0.0.1", whoamiPort, user, "x", 30_000)) {
                        assertThat(router.liveTunnels("scale1")).isEqualTo(1);
                        assertThat(whoami(s)).hasSize(40);
                    }
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> router.liveTunnels("scale1") == 0);
            TorInstance gone = removed.get(0);
            try (Socket idle = Socks5Client.connect(gateway.address(), "127.0.0.1", whoamiPort, "u6", "x", 30_000)) {
                assertThat(router.liveTunnels("scale0")).isEqualTo(2);
            }
            // Its name (and data directory) stays taken while its tor runs ...
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> pool.add(
                    TorInstanceConfig.builder("scale1", dir).extraTorrc(net.clientTorrc()).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'scale1'");
            long pid = gone.pid().orElseThrow();
            gone.stop().get(30, TimeUnit.SECONDS);
            assertThat(gone.state()).isEqualTo(InstanceState.STOPPED);
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
            // ... and is free once it stopped.
            removed.add(pool.add(TorInstanceConfig.builder("scale1", dir).extraTorrc(net.clientTorrc()).build()));
            assertThat(pool.instances()).extracting(TorInstance::name).containsExactly("scale0", "scale1");
            assertThat(whoami(first)).as("the remaining instance is untouched").hasSize(40);
        }
    }
}
