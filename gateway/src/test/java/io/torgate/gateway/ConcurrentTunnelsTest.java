package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many tunnels at once across all event loops: every byte comes back, every slot is returned. */
class ConcurrentTunnelsTest {

    @Test
    void sixtyFourClientsInParallel() throws Exception {
        RecordingListener listener = new RecordingListener();
        int clients = 64;
        int rounds = 20;
        try (EchoServer echo = new EchoServer();
             Gateway gateway = Gateway.start(GatewayConfig.builder()
                     .listen(new InetSocketAddress("127.0.0.1", 0))
                     .router(new DirectRouter())
                     .listener(listener)
                     .maxTunnelsPerUser(clients)
                     .build())) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int id = c;
                    results.add(pool.submit(() -> {
                        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
                            client.login("user" + (id % 4) + "-session-s" + id, "any");
                            if (client.connectIp(InetAddress.getLoopbackAddress(), echo.port()) != 0) {
                                return 0;
                            }
                            int ok = 0;
                            for (int r = 0; r < rounds; r++) {
                                String text = "client " + id + " round " + r;
                                if (GatewaySocks5Test.roundTrip(client.socket(), text).equals(text)) {
                                    ok++;
                                }
                            }
                            return ok;
                        }
                    }));
                }
                for (Future<Integer> result : results) {
                    assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
                }
            } finally {
                pool.shutdownNow();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.activeTunnels() == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.count("tunnelClosed") == clients);
            assertThat(listener.count("tunnelOpened:SOCKS5")).isEqualTo(clients);
            assertThat(listener.bytesClientToUpstream()).isEqualTo(listener.bytesUpstreamToClient()).isPositive();
        }
    }
}
