package io.torgate.torpool.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.ControlEventListener;
import io.torgate.torpool.control.StreamEvent;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tor instance, every stream attached by {@link InstanceCircuits}: six isolation keys (three users, two
 * sessions each) with two streams each at once get six circuits, one per key, never shared — as tor's own STREAM
 * events and circuit-status say — and each key's streams leave through its circuit's exit (whoami, by socket
 * ownership); warm circuits are handed to new keys and replaced; a key whose circuit closes gets a new one through
 * the exit it asks for; a stream of no known key is refused.
 */
@ExtendWith(TestNetworkExtension.class)
class InstanceCircuitsTestnetTest {

    private static final Duration READY = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    java.nio.file.Path dir;
    private TorInstance instance;
    private ScheduledExecutorService timer;
    private final List<Socket> held = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : held) {
            s.close();
        }
        if (instance != null) {
            instance.close();
        }
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    @Test
    void keysNeverShareACircuitWarmOnesAreHandedOutAndAClosedOneIsReplacedThroughTheSameExit(TestNetwork net)
            throws Exception {
        instance = TorInstance.create(TorInstanceConfig.builder("keys-0", dir)
                .extraTorrc(net.clientTorrc()).build());
        instance.start().get(READY.toSeconds(), TimeUnit.SECONDS);
        await().atMost(READY).until(() -> instance.state() == InstanceState.READY);
        TorControl control = instance.control().orElseThrow();
        control.setConf(CircuitStack.CONTROLLER_OPTIONS).get(10, TimeUnit.SECONDS); // as a CircuitStack does
        NetworkView view = NetworkViewLoader.load(control).get(30, TimeUnit.SECONDS);
        List<String> guards = EntryGuards.up(control.getInfo("entry-guards").get(10, TimeUnit.SECONDS));
        timer = Executors.newSingleThreadScheduledExecutor();
        CircuitBuilder builder = new CircuitBuilder(control, () -> view, () -> guards, new SplittableRandom(3), timer,
                Duration.ofSeconds(20), Clock.systemUTC());
        InstanceCircuits circuits = new InstanceCircuits(control, builder, () -> view);
        StreamAttachment attachment = new StreamAttachment(control, circuits, Duration.ofSeconds(20), n -> { });
        Map<String, Set<String>> circuitsOfUser = new ConcurrentHashMap<>();
        ControlEventListener streams = new ControlEventListener() {
            @Override
            public void onStream(StreamEvent e) {
                if (e.status() == StreamEvent.Status.SUCCEEDED && e.socksUsername().isPresent()) {
                    circuitsOfUser.computeIfAbsent(e.socksUsername().get(), u -> ConcurrentHashMap.newKeySet())
                            .add(e.circuitId());
                }
            }
        };
        control.addListener(builder);
        control.addListener(circuits);
        control.addListener(attachment);
        control.addListener(streams);

        int port = net.whoamiUrl().getPort();
        circuits.keepWarm("any", Set.of(), port, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> circuits.warmCount("any") == 2);

        List<String> keys = List.of("alice.s1", "alice.s2", "bob.s1", "bob.s2", "carol.s1", "carol.s2");
        Map<String, BuiltCircuit> circuitOfKey = new HashMap<>();
        for (String key : keys) {
            CompletableFuture<BuiltCircuit> f = circuits.circuitFor(key, PathRequest.anyExit(port));
            if (key.startsWith("alice")) {
                assertThat(f).as("%s takes a warm circuit: no build to wait for", key).isCompleted();
            }
            circuitOfKey.put(key, f.get(30, TimeUnit.SECONDS));
        }
        assertThat(circuitOfKey.values()).extracting(BuiltCircuit::id).doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(30)).until(() -> circuits.warmCount("any") == 2);

        InetSocketAddress socks = instance.socksAddress().orElseThrow();
        List<CompletableFuture<String[]>> fetches = new ArrayList<>();
        for (String key : keys) {
            for (int i = 0; i < 2; i++) {
                fetches.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        Socket s = Socks5Client.connect(socks, "127.0.0.1", port, key, "pw", 30_000);
                        synchronized (held) {
                            held.add(s); // kept open: every stream is live at once
                        }
                        return new String[] {key, JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText()};
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
        }
        for (CompletableFuture<String[]> f : fetches) {
            String[] r = f.get(60, TimeUnit.SECONDS);
            assertThat(r[1]).as("%s left through its circuit's exit", r[0])
                    .isEqualTo(circuitOfKey.get(r[0]).path().exit().fingerprint());
        }
        // tor's own view: each key's streams on one circuit, no circuit carrying two keys.
        await().atMost(Duration.ofSeconds(10)).until(() -> circuitsOfUser.keySet().containsAll(keys));
        Set<String> seen = new HashSet<>();
        for (String key : keys) {
            assertThat(circuitsOfUser.get(key)).as(key).containsExactly(circuitOfKey.get(key).id());
            assertThat(seen.add(circuitOfKey.get(key).id())).as("a circuit of two keys").isTrue();
        }
        Map<String, CircuitEvent> status = new HashMap<>();
        control.circuitStatus().get(10, TimeUnit.SECONDS).forEach(c -> status.put(c.id(), c));
        for (BuiltCircuit c : circuitOfKey.values()) {
            assertThat(status.get(c.id()).lastHop().orElseThrow().fingerprint()).isEqualTo(c.path().exit().fingerprint());
        }

        // bob.s1's circuit closes: the next one goes through the same exit when asked for it.
        BuiltCircuit old = circuitOfKey.get("bob.s1");
        control.closeCircuit(old.id()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> circuits.circuitOf("bob.s1").isEmpty());
        BuiltCircuit renewed = circuits.circuitFor("bob.s1",
                PathRequest.through(Set.of(old.path().exit().fingerprint()), port)).get(30, TimeUnit.SECONDS);
        assertThat(renewed.id()).isNotEqualTo(old.id());
        assertThat(renewed.path().exit()).isEqualTo(old.path().exit());
        try (Socket s = Socks5Client.connect(socks, "127.0.0.1", port, "bob.s1", "pw", 30_000)) {
            assertThat(JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText())
                    .isEqualTo(old.path().exit().fingerprint());
        }

        assertThatThrownBy(() -> Socks5Client.connect(socks, "127.0.0.1", port, "mallory", "pw", 30_000))
                .as("no key, no circuit: tor never picks one for it").hasMessageContaining("reply code");
    }
}
