package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.circuit.BuiltCircuit;
import io.torgate.torpool.circuit.CircuitListener;
import io.torgate.torpool.circuit.CircuitStack;
import io.torgate.torpool.circuit.PathRequest;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool of 2 instances, each with its {@link CircuitStack}: every exit of the network at the same time on each of
 * the two tor processes (12 keys, 12 streams held open at once, each leaving through its pinned exit as whoami
 * sees it); the view is re-read when tor has a new consensus; after a kill -9 the restarted tor gets a new stack and
 * a key's next circuit goes through the same exit again.
 */
@ExtendWith(TestNetworkExtension.class)
class PoolCircuitsTestnetTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TorPool pool;
    private PoolCircuits circuits;
    private final List<Socket> held = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : held) {
            s.close();
        }
        if (circuits != null) {
            circuits.close();
        }
        PoolShutdown.close(null, pool);
    }

    private String fetchVia(TorInstance instance, String key, int port, boolean hold) throws Exception {
        Socket s = Socks5Client.connect(instance.socksAddress().orElseThrow(), "127.0.0.1", port, key, "pw", 30_000);
        try {
            return JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText();
        } finally {
            if (hold) {
                synchronized (held) {
                    held.add(s);
                }
            } else {
                s.close();
            }
        }
    }

    @Test
    void everyExitAtOnceOnEachInstanceAndAfterARestartTheSameExitAgain(TestNetwork net) throws Exception {
        // No __LeaveStreamsUnattached in the torrc: the stack sets it when it opens.
        pool = TorPool.create(TorPool.configs(2, "pc", dir, b -> b.extraTorrc(net.clientTorrc())));
        pool.start().get(120, TimeUnit.SECONDS);
        circuits = new PoolCircuits(pool, new CircuitStack.Settings(Duration.ofSeconds(20), Duration.ofSeconds(20),
                Duration.ofSeconds(2), new SplittableRandom(5), Clock.systemUTC(), CircuitListener.NONE));
        List<TorInstance> instances = pool.instances();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> instances.stream().allMatch(i -> circuits.stack(i.name()).isPresent()));
        for (TorInstance i : instances) {
            var control = i.control().orElseThrow();
            assertThat(control.getConf("__LeaveStreamsUnattached").get(10, TimeUnit.SECONDS)).as(i.name()).isEqualTo("1");
            assertThat(control.getConf("LearnCircuitBuildTimeout").get(10, TimeUnit.SECONDS)).as(i.name()).isEqualTo("0");
        }

        int port = net.whoamiUrl().getPort();
        List<TestRelay> exits = net.exits();
        List<CompletableFuture<String[]>> fetches = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            TorInstance instance = instances.get(k % 2);
            TestRelay exit = exits.get(k % exits.size());
            String key = "key" + k;
            BuiltCircuit c = circuits.stack(instance.name()).orElseThrow().circuits()
                    .circuitFor(key, PathRequest.through(Set.of(exit.fingerprint()), port)).get(30, TimeUnit.SECONDS);
            assertThat(c.path().exit().fingerprint()).isEqualTo(exit.fingerprint());
            fetches.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return new String[] {exit.fingerprint(), fetchVia(instance, key, port, true)};
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }));
        }
        for (CompletableFuture<String[]> f : fetches) {
            String[] r = f.get(60, TimeUnit.SECONDS);
            assertThat(r[1]).as("whoami's exit").isEqualTo(r[0]);
        }
        for (TorInstance i : instances) {
            assertThat(circuits.stack(i.name()).orElseThrow().circuits().keys()).as("keys on %s", i.name())
                    .isEqualTo(6);
        }

        CircuitStack first = circuits.stack(instances.get(0).name()).orElseThrow();
        await().atMost(Duration.ofSeconds(40)).until(() -> first.viewsLoaded() >= 2); // the testnet votes every 10 s

        // kill -9: the restarted tor gets a new stack; key0's circuit is rebuilt through the same exit.
        TorInstance victim = instances.get(0);
        long oldPid = victim.pid().orElseThrow();
        ProcessHandle.of(oldPid).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                victim.state() == InstanceState.READY && victim.pid().orElse(oldPid) != oldPid
                        && circuits.stack(victim.name()).map(s -> s != first).orElse(false));
        CircuitStack second = circuits.stack(victim.name()).orElseThrow();
        assertThat(second.control()).isNotSameAs(first.control());
        TestRelay exit0 = exits.get(0);
        BuiltCircuit again = second.circuits().circuitFor("key0", PathRequest.through(Set.of(exit0.fingerprint()), port))
                .get(30, TimeUnit.SECONDS);
        assertThat(again.path().exit().fingerprint()).isEqualTo(exit0.fingerprint());
        assertThat(fetchVia(victim, "key0", port, false)).isEqualTo(exit0.fingerprint());
    }
}
