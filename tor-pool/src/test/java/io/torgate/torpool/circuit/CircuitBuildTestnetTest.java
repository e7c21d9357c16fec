package io.torgate.torpool.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.ControlEventListener;
import io.torgate.torpool.control.StreamEvent;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.process.Torrc;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tor instance on the private testnet, with streams left for the controller: torgate reads the network off
 * it, chooses a path through each exit, builds those circuits with EXTENDCIRCUIT (tor's circuit-status shows
 * exactly the chosen hops) and attaches one stream per exit, all at once; whoami names each stream's exit by
 * socket ownership, independently of tor's or torgate's bookkeeping.
 */
@ExtendWith(TestNetworkExtension.class)
class CircuitBuildTestnetTest {

    private static final Duration READY = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    java.nio.file.Path dir;
    private TorInstance instance;

    @AfterEach
    void stop() {
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    void pathsTorgateChoosesAreBuiltHopForHopAndStreamsLeaveThroughTheirExit(TestNetwork net) throws Exception {
        Torrc torrc = net.clientTorrc().set("__LeaveStreamsUnattached", 1);
        instance = TorInstance.create(TorInstanceConfig.builder("circ-0", dir).extraTorrc(torrc).build());
        instance.start().get(READY.toSeconds(), TimeUnit.SECONDS);
        await().atMost(READY).until(() -> instance.state() == InstanceState.READY);
        TorControl control = instance.control().orElseThrow();

        int port = net.whoamiUrl().getPort();
        NetworkView view = NetworkViewLoader.load(control).get(30, TimeUnit.SECONDS);
        assertThat(view.nodes()).extracting(Node::fingerprint)
                .containsAll(net.relays().stream().map(TestRelay::fingerprint).toList());
        List<String> guards = EntryGuards.up(control.getInfo("entry-guards").get(10, TimeUnit.SECONDS));
        assertThat(guards).isNotEmpty();

        PathSelector selector = new PathSelector(view, new SplittableRandom(42));
        Map<String, String> circuitByUser = new ConcurrentHashMap<>();
        Map<String, Path> pathByCircuit = new ConcurrentHashMap<>();
        List<TestRelay> exits = net.exits().stream()
                .filter(e -> view.node(e.fingerprint()).orElseThrow().policy().accepts(port)).toList();
        assertThat(exits).hasSizeGreaterThanOrEqualTo(2);
        for (TestRelay exit : exits) {
            Path path = selector.select(PathRequest.through(java.util.Set.of(exit.fingerprint()), port), guards);
            String id = control.extendCircuit(path.hops().stream().map(Node::fingerprint).toList())
                    .get(10, TimeUnit.SECONDS);
            pathByCircuit.put(id, path);
            circuitByUser.put("via-" + exit.fingerprint(), id);
        }
        Map<String, CircuitEvent> last = new ConcurrentHashMap<>();
        ControlEventListener circuits = new ControlEventListener() {
            @Override
            public void onCircuit(CircuitEvent e) {
                if (pathByCircuit.containsKey(e.id())) {
                    last.put(e.id(), e);
                }
            }
        };
        control.addListener(circuits);
        await().atMost(Duration.ofSeconds(30)).failFast(() -> last.values().stream()
                        .anyMatch(c -> c.status() == CircuitEvent.Status.FAILED || c.status() == CircuitEvent.Status.CLOSED))
                .until(() -> control.circuitStatus().get(10, TimeUnit.SECONDS).stream()
                .filter(c -> pathByCircuit.containsKey(c.id()) && c.status() == CircuitEvent.Status.BUILT).count()
                == pathByCircuit.size());
        control.removeListener(circuits);
        for (CircuitEvent c : control.circuitStatus().get(10, TimeUnit.SECONDS)) {
            Path chosen = pathByCircuit.get(c.id());
            if (chosen != null) {
                assertThat(c.path()).extracting(h -> h.fingerprint())
                        .as("tor built exactly the chosen hops").containsExactlyElementsOf(
                                chosen.hops().stream().map(Node::fingerprint).toList());
            }
        }

        ControlEventListener attacher = new ControlEventListener() {
            @Override
            public void onStream(StreamEvent e) {
                if (e.status() == StreamEvent.Status.NEW && e.socksUsername().isPresent()) {
                    String circuit = circuitByUser.get(e.socksUsername().get());
                    control.attachStream(e.id(), circuit != null ? circuit : "0");
                }
            }
        };
        control.addListener(attacher);
        try {
            InetSocketAddress socks = instance.socksAddress().orElseThrow();
            List<CompletableFuture<String>> seen = new ArrayList<>();
            for (TestRelay exit : exits) {
                seen.add(CompletableFuture.supplyAsync(() -> {
                    try (Socket s = Socks5Client.connect(socks, "127.0.0.1", port, "via-" + exit.fingerprint(), "pw",
                            30_000)) {
                        return JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText("none");
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
            for (int i = 0; i < exits.size(); i++) {
                assertThat(seen.get(i).get(60, TimeUnit.SECONDS)).as("whoami's view of the exit")
                        .isEqualTo(exits.get(i).fingerprint());
            }
        } finally {
            control.removeListener(attacher);
        }
    }
}
