package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.torpool.control.CircuitEvent;
import io.torgate.torpool.control.Hop;
import io.torgate.torpool.control.RouterStatus;
import io.torgate.torpool.control.TorControl;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.support.Socks5Client;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cases the test network builds so tor's path rules can be seen on loopback (one /16 shared, one family, one
 * exit rejecting a port), checked through tor itself: what a pool instance on the network reads in the
 * consensus and the microdescriptors, and which circuits it builds.
 */
@ExtendWith(TestNetworkExtension.class)
class TestNetworkPathRulesTest {

    private static final Logger log = LoggerFactory.getLogger(TestNetworkPathRulesTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Circuits per pinned exit: with the rule off, the forbidden middle turns up in (4/5)^12, about 7 %, of runs. */
    private static final int CIRCUITS_PER_EXIT = 12;

    @TempDir
    static Path dir;

    static TorInstance instance;
    static TorControl control;

    @BeforeAll
    static void startInstance(TestNetwork net) throws Exception {
        instance = TorInstance.create(TorInstanceConfig.builder("rules", dir).extraTorrc(net.clientTorrc()).build());
        instance.start().get(90, TimeUnit.SECONDS);
        control = instance.control().orElseThrow();
    }

    @AfterAll
    static void stopInstance() {
        if (instance != null) {
            instance.close();
        }
    }

    @Test
    void everyRelayHasItsOwnSlash16OutsideTheServersOnesExceptOneMiddleAndExitOnPurpose(TestNetwork net) throws Exception {
        TestNetwork.RelayPair pair = net.sameSubnetPair().orElseThrow();
        assertThat(pair.middle().role()).isEqualTo(TestRelay.Role.MIDDLE);
        assertThat(pair.exit().role()).isEqualTo(TestRelay.Role.EXIT);
        Map<String, List<String>> bySubnet = net.relays().stream().collect(Collectors.groupingBy(TestRelay::subnet16,
                Collectors.mapping(TestRelay::nickname, Collectors.toList())));
        assertThat(bySubnet).doesNotContainKey("127.0.0.0/16").hasSize(net.relays().size() - 1);
        assertThat(bySubnet.values()).filteredOn(names -> names.size() > 1)
                .containsExactly(List.of(pair.middle().nickname(), pair.exit().nickname()));
        assertThat(pair.middle().sharesSubnet16With(pair.exit())).isTrue();

        // The consensus the instance uses lists each relay at that address.
        Map<String, RouterStatus> consensus = control.networkStatus().get(10, TimeUnit.SECONDS).stream()
                .collect(Collectors.toMap(RouterStatus::fingerprint, Function.identity()));
        for (TestRelay r : net.relays()) {
            assertThat(consensus.get(r.fingerprint())).as(r.nickname()).isNotNull()
                    .satisfies(s -> assertThat(s.address() + ":" + s.orPort()).isEqualTo(r.orAddress()));
        }
    }

    @Test
    void theFamilyPairDeclaresEachOtherAndItsMicrodescriptorsSaySo(TestNetwork net) throws Exception {
        TestNetwork.RelayPair family = net.familyPair().orElseThrow();
        TestNetwork.RelayPair subnet = net.sameSubnetPair().orElseThrow();
        assertThat(Set.of(family.middle().nickname(), family.exit().nickname()))
                .as("the family pair shares no relay with the /16 pair")
                .doesNotContain(subnet.middle().nickname(), subnet.exit().nickname());
        assertThat(family.middle().isFamilyOf(family.exit()) && family.exit().isFamilyOf(family.middle())).isTrue();
        String both = "family " + Set.of("$" + family.middle().fingerprint(), "$" + family.exit().fingerprint())
                .stream().sorted().collect(Collectors.joining(" "));
        for (TestRelay r : net.relays()) {
            Optional<String> line = microdescriptorLine(r, "family");
            if (r.equals(family.middle()) || r.equals(family.exit())) {
                assertThat(line).as(r.nickname()).contains(both);
            } else {
                assertThat(r.family()).as(r.nickname()).isEmpty();
                assertThat(line).as(r.nickname()).isEmpty();
            }
        }
    }

    @Test
    void oneExitRejectsTheRejectedPortAndTorSendsThatPortsTrafficThroughTheOthers(TestNetwork net) throws Exception {
        TestRelay rejecting = net.rejectingExit().orElseThrow();
        int port = net.rejectedPort();
        assertThat(rejecting).isEqualTo(net.exits().get(net.exits().size() - 1));
        assertThat(net.rejectedPortUrl()).isEqualTo(URI.create("http://127.0.0.1:" + port + "/"));
        assertThat(port).isNotEqualTo(net.whoamiUrl().getPort());
        assertThat(rejecting.exitAllows(port)).isFalse();
        assertThat(rejecting.exitAllows(net.whoamiUrl().getPort())).isTrue();
        for (TestRelay exit : net.exits()) {
            assertThat(microdescriptorLine(exit, "p")).as(exit.nickname())
                    .contains(exit.equals(rejecting) ? "p reject " + port : "p accept 1-65535");
            if (!exit.equals(rejecting)) {
                assertThat(exit.exitAllows(port)).isTrue();
            }
        }

        List<String> carriers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            carriers.add(whoami(net.rejectedPortUrl(), "rejected-port-" + i));
        }
        log.info("requests to the rejected port {} left through {}", port, nicknames(net, carriers));
        assertThat(carriers).allMatch(fp -> net.relay(fp).exitAllows(port)).doesNotContain(rejecting.fingerprint());

        // It is a working exit for every other port.
        pin(rejecting);
        try {
            assertThat(whoami(net.whoamiUrl(), "rejecting-exit-other-port")).isEqualTo(rejecting.fingerprint());
        } finally {
            unpin();
        }
    }

    @Test
    void poolInstancesKeepTorsSlash16RuleAndNoCircuitHoldsTwoRelaysOfOneSubnetOrFamily(TestNetwork net) throws Exception {
        assertThat(net.clientTorrc().values("EnforceDistinctSubnets")).containsExactly("1");
        assertThat(control.getInfo("config-text").get(10, TimeUnit.SECONDS)).contains("EnforceDistinctSubnets 1");

        TestNetwork.RelayPair subnet = net.sameSubnetPair().orElseThrow();
        TestNetwork.RelayPair family = net.familyPair().orElseThrow();
        for (TestNetwork.RelayPair pair : List.of(subnet, family)) {
            pin(pair.exit());
            try {
                for (int i = 0; i < CIRCUITS_PER_EXIT; i++) {
                    assertThat(whoami(net.whoamiUrl(), "via-" + pair.exit().nickname() + "-" + i))
                            .isEqualTo(pair.exit().fingerprint());
                }
            } finally {
                unpin();
            }
        }

        // Exit circuits only: tor's onion-service circuits (vanguards) follow rules of their own.
        List<CircuitEvent> built = control.circuitStatus().get(10, TimeUnit.SECONDS).stream()
                .filter(c -> c.status() == CircuitEvent.Status.BUILT && c.path().size() >= 3
                        && c.purpose().equals("GENERAL") && !c.buildFlags().contains("IS_INTERNAL")).toList();
        Map<String, List<List<String>>> pathsByExit = built.stream().collect(Collectors.groupingBy(
                c -> c.path().get(c.path().size() - 1).fingerprint(),
                Collectors.mapping(c -> c.path().stream().map(h -> net.relay(h.fingerprint()).nickname()).toList(),
                        Collectors.toList())));
        log.info("circuits through the pair exits: {} {}", pathsByExit.get(subnet.exit().fingerprint()),
                pathsByExit.get(family.exit().fingerprint()));
        for (TestNetwork.RelayPair pair : List.of(subnet, family)) {
            assertThat(pathsByExit.get(pair.exit().fingerprint())).as("circuits through " + pair.exit().nickname())
                    .hasSizeGreaterThanOrEqualTo(CIRCUITS_PER_EXIT)
                    .allSatisfy(path -> assertThat(path).doesNotContain(pair.middle().nickname()));
        }
        for (CircuitEvent c : built) {
            List<TestRelay> hops = c.path().stream().map(Hop::fingerprint).map(net::relay).toList();
            for (int a = 0; a < hops.size(); a++) {
                for (int b = a + 1; b < hops.size(); b++) {
                    assertThat(hops.get(a).sharesSubnet16With(hops.get(b)) || hops.get(a).isFamilyOf(hops.get(b)))
                            .as("circuit %s: %s and %s", c.id(), hops.get(a).nickname(), hops.get(b).nickname())
                            .isFalse();
                }
            }
        }
    }

    /** The line of the relay's microdescriptor (as the instance holds it) that starts with {@code keyword}. */
    private static Optional<String> microdescriptorLine(TestRelay r, String keyword) throws Exception {
        String md = control.getInfo("md/id/" + r.fingerprint()).get(10, TimeUnit.SECONDS);
        assertThat(md).as("microdescriptor of " + r.nickname()).contains("ntor-onion-key");
        return md.lines().filter(l -> l.startsWith(keyword + " ")).findFirst();
    }

    /** Fetches {@code url} through the instance as {@code user}; returns the fingerprint whoami names. */
    private static String whoami(URI url, String user) throws Exception {
        try (Socket s = Socks5Client.connect(instance.socksAddress().orElseThrow(), "127.0.0.1", url.getPort(), user,
                "pw", 30_000)) {
            JsonNode answer = JSON.readTree(Socks5Client.get(s, "/"));
            assertThat(answer.path("via").asText()).as(user).isEqualTo("exit");
            return answer.path("fingerprint").asText();
        }
    }

    private static void pin(TestRelay exit) throws Exception {
        control.setConf(Map.of("ExitNodes", exit.fingerprint(), "StrictNodes", "1")).get(10, TimeUnit.SECONDS);
    }

    private static void unpin() throws Exception {
        control.resetConf(List.of("ExitNodes", "StrictNodes")).get(10, TimeUnit.SECONDS);
    }

    private static List<String> nicknames(TestNetwork net, List<String> fingerprints) {
        return fingerprints.stream().map(fp -> net.relay(fp).nickname()).toList();
    }
}
