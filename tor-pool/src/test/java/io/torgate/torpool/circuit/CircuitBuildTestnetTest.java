package io.torgate.torpool.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.ControlEventListener;
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
        Torrc torrc = net.clientTorrc();
        instance = TorInstance.create(TorInstanceConfig.builder("circ-0", dir).extraTorrc(torrc).build());
        instance.start().get(READY.toSeconds(), TimeUnit.SECONDS);
        await().atMost(READY).until(() -> instance.state() == InstanceState.READY);
        TorControl control = instance.control().orElseThrow();
        control.setConf(CircuitStack.CONTROLLER_OPTIONS).get(10, TimeUnit.SECONDS); // as a CircuitStack does

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

        java.util.concurrent.atomic.AtomicInteger attached = new java.util.concurrent.atomic.AtomicInteger();
        StreamAttachment attacher = new StreamAttachment(control, stream -> {
            String circuit = stream.socksUsername().map(circuitByUser::get).orElse(null);
            return CompletableFuture.completedFuture(circuit != null ? new StreamAttacher.Attach(circuit)
                    : new StreamAttacher.HandBack());
        }, Duration.ofSeconds(10), nanos -> attached.incrementAndGet());
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
            assertThat(attached).hasValue(exits.size());
        } finally {
            control.removeListener(attacher);
        }
    }

    /** 60 circuits asked for at once, through every exit in turn: all BUILT, each along the path chosen for it. */
    @Test
    void sixtyCircuitsAskedForAtOnceAreAllBuiltAlongTheirPaths(TestNetwork net) throws Exception {
        instance = TorInstance.create(TorInstanceConfig.builder("circ-1", dir).extraTorrc(net.clientTorrc()).build());
        instance.start().get(READY.toSeconds(), TimeUnit.SECONDS);
        await().atMost(READY).until(() -> instance.state() == InstanceState.READY);
        TorControl control = instance.control().orElseThrow();
        NetworkView view = NetworkViewLoader.load(control).get(30, TimeUnit.SECONDS);
        List<String> guards = EntryGuards.up(control.getInfo("entry-guards").get(10, TimeUnit.SECONDS));
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        CircuitBuilder builder = new CircuitBuilder(control, () -> view, () -> guards, new SplittableRandom(9), timer,
                Duration.ofSeconds(20), java.time.Clock.systemUTC());
        control.addListener(builder);
        try {
            int port = net.whoamiUrl().getPort();
            List<TestRelay> exits = net.exits().stream()
                    .filter(e -> view.node(e.fingerprint()).orElseThrow().policy().accepts(port)).toList();
            List<CompletableFuture<BuiltCircuit>> builds = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                builds.add(builder.build(PathRequest.through(java.util.Set.of(exits.get(i % exits.size()).fingerprint()),
                        port)));
            }
            Map<String, BuiltCircuit> byId = new java.util.HashMap<>();
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < builds.size(); i++) {
                BuiltCircuit c = builds.get(i).get(60, TimeUnit.SECONDS);
                assertThat(c.path().exit().fingerprint()).isEqualTo(exits.get(i % exits.size()).fingerprint());
                byId.put(c.id(), c);
                millis.add(c.buildTime().toMillis());
            }
            assertThat(byId).hasSize(60);
            for (CircuitEvent c : control.circuitStatus().get(10, TimeUnit.SECONDS)) {
                BuiltCircuit mine = byId.get(c.id());
                if (mine != null) {
                    assertThat(c.path()).extracting(h -> h.fingerprint()).containsExactlyElementsOf(
                            mine.path().hops().stream().map(Node::fingerprint).toList());
                }
            }
            java.util.Collections.sort(millis);
            org.slf4j.LoggerFactory.getLogger(CircuitBuildTestnetTest.class).info(
                    "60 circuits at once: build time p50 {} ms, max {} ms; {} attempt(s) in all", millis.get(30),
                    millis.get(59), byId.values().stream().mapToInt(BuiltCircuit::attempts).sum());
            assertThat(builder.building()).isZero();
        } finally {
            control.removeListener(builder);
            timer.shutdownNow();
        }
    }

    /**
     * A stream whose attacher never decides is closed at the decision timeout (tor answers the client with its
     * TIMEOUT reply, 0x06), and one the attacher closes with EXITPOLICY gets 0x02: no stream waits for tor's own
     * two-minute limit.
     */
    @Test
    void undecidedStreamsAreClosedAtTheDecisionTimeoutAndClosedOnesAnswerAtOnce(TestNetwork net) throws Exception {
        Torrc torrc = net.clientTorrc();
        instance = TorInstance.create(TorInstanceConfig.builder("circ-2", dir).extraTorrc(torrc).build());
        instance.start().get(READY.toSeconds(), TimeUnit.SECONDS);
        await().atMost(READY).until(() -> instance.state() == InstanceState.READY);
        TorControl control = instance.control().orElseThrow();
        control.setConf(CircuitStack.CONTROLLER_OPTIONS).get(10, TimeUnit.SECONDS); // as a CircuitStack does
        StreamAttachment attacher = new StreamAttachment(control, stream -> "never".equals(stream.socksUsername()
                .orElse("")) ? new CompletableFuture<>()
                : CompletableFuture.completedFuture(new StreamAttacher.Close(4, "test: policy")),
                Duration.ofSeconds(2), nanos -> { });
        control.addListener(attacher);
        try {
            InetSocketAddress socks = instance.socksAddress().orElseThrow();
            int port = net.whoamiUrl().getPort();
            long start = System.nanoTime();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> Socks5Client.connect(socks, "127.0.0.1", port, "never", "pw", 30_000))
                    .hasMessage("SOCKS5 CONNECT failed with reply code 6");
            long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(waited).as("closed at the 2 s decision timeout").isBetween(1_900L, 10_000L);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> Socks5Client.connect(socks, "127.0.0.1", port, "policy", "pw", 30_000))
                    .hasMessage("SOCKS5 CONNECT failed with reply code 2");
        } finally {
            control.removeListener(attacher);
        }
    }

    /**
     * On the testnet's deliberate rule breakers, read from tor itself: circuits torgate builds never put the
     * /16 pair or the family pair together, never use the rejecting exit for the port it rejects, and a request
     * pinned to that exit for that port is refused with the reason — as tor's circuit-status confirms.
     */
    @Test
    void circuitsOnTheRealConsensusKeepFamiliesSubnetsAndExitPolicies(TestNetwork net) throws Exception {
        TestNetwork.RelayPair subnet = net.sameSubnetPair().orElseThrow();
        TestNetwork.RelayPair family = net.familyPair().orElseThrow();
        TestRelay rejecting = net.rejectingExit().orElseThrow();
        int rejected = net.rejectedPort();
        instance = TorInstance.create(TorInstanceConfig.builder("circ-3", dir).extraTorrc(net.clientTorrc()).build());
        instance.start().get(READY.toSeconds(), TimeUnit.SECONDS);
        await().atMost(READY).until(() -> instance.state() == InstanceState.READY);
        TorControl control = instance.control().orElseThrow();
        NetworkView view = NetworkViewLoader.load(control).get(30, TimeUnit.SECONDS);
        assertThat(view.distinctSubnets()).as("the testnet's clients set EnforceDistinctSubnets 1").isTrue();
        Node subnetMiddle = view.node(subnet.middle().fingerprint()).orElseThrow();
        Node subnetExit = view.node(subnet.exit().fingerprint()).orElseThrow();
        assertThat(subnetMiddle.sameSubnet(subnetExit)).isTrue();
        assertThat(view.node(family.middle().fingerprint()).orElseThrow()
                .sameFamily(view.node(family.exit().fingerprint()).orElseThrow())).as("MyFamily, both ways").isTrue();
        assertThat(view.node(rejecting.fingerprint()).orElseThrow().policy().accepts(rejected)).isFalse();

        List<String> guards = EntryGuards.up(control.getInfo("entry-guards").get(10, TimeUnit.SECONDS));
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        CircuitBuilder builder = new CircuitBuilder(control, () -> view, () -> guards, new SplittableRandom(17), timer,
                Duration.ofSeconds(20), java.time.Clock.systemUTC());
        control.addListener(builder);
        try {
            List<CompletableFuture<BuiltCircuit>> builds = new ArrayList<>();
            for (int i = 0; i < 30; i++) { // 30 each: a rule ignored would show with odds of about 99 in 100
                builds.add(builder.build(PathRequest.through(java.util.Set.of(subnet.exit().fingerprint()), 443)));
                builds.add(builder.build(PathRequest.through(java.util.Set.of(family.exit().fingerprint()), 443)));
                builds.add(builder.build(PathRequest.anyExit(rejected)));
            }
            Map<String, BuiltCircuit> mine = new java.util.HashMap<>();
            for (CompletableFuture<BuiltCircuit> b : builds) {
                BuiltCircuit c = b.get(60, TimeUnit.SECONDS);
                mine.put(c.id(), c);
            }
            int checked = 0;
            for (CircuitEvent c : control.circuitStatus().get(10, TimeUnit.SECONDS)) {
                if (!mine.containsKey(c.id())) {
                    continue;
                }
                checked++;
                List<String> hops = c.path().stream().map(h -> h.fingerprint()).toList();
                String exit = hops.get(hops.size() - 1);
                if (exit.equals(subnet.exit().fingerprint())) {
                    assertThat(hops).as("the /16 pair on one circuit").doesNotContain(subnet.middle().fingerprint());
                }
                if (exit.equals(family.exit().fingerprint())) {
                    assertThat(hops).as("the family pair on one circuit").doesNotContain(family.middle().fingerprint());
                }
                for (String a : hops) {
                    for (String b : hops) {
                        if (!a.equals(b)) {
                            Node na = view.node(a).orElseThrow();
                            Node nb = view.node(b).orElseThrow();
                            assertThat(na.sameSubnet(nb) || na.sameFamily(nb)).as("%s with %s", na, nb).isFalse();
                        }
                    }
                }
            }
            assertThat(checked).isEqualTo(90);
            for (int i = 2; i < builds.size(); i += 3) {
                assertThat(builds.get(i).get().path().exit().fingerprint()).as("an exit for port %d", rejected)
                        .isNotEqualTo(rejecting.fingerprint());
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.build(
                    PathRequest.through(java.util.Set.of(rejecting.fingerprint()), rejected)).get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(CircuitBuildException.class)
                    .hasMessageContaining("the exit's policy rejects port " + rejected);
        } finally {
            control.removeListener(builder);
            timer.shutdownNow();
        }
    }
}
