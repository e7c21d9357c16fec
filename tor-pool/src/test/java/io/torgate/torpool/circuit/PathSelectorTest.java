package io.torgate.torpool.circuit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** path-spec's rules on a made-up network, with fixed randomness: thousands of paths, each checked. */
class PathSelectorTest {

    private static final Set<String> GUARD = Set.of("Fast", "Guard", "Running", "Stable", "Valid");
    private static final Set<String> MIDDLE = Set.of("Fast", "Running", "Stable", "Valid");
    private static final Set<String> EXIT = Set.of("Exit", "Fast", "Running", "Stable", "Valid");
    private static final PortPolicy ALL = PortPolicy.parse("accept 1-65535");

    private final List<Node> nodes = new ArrayList<>();

    private static String fp(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            b.append(String.format("%02X", (int) c));
        }
        return (b + "0".repeat(40)).substring(0, 40);
    }

    private Node add(String name, String address, Set<String> flags, long bw, PortPolicy policy, String... family) {
        Set<String> fam = new java.util.HashSet<>();
        for (String f : family) {
            fam.add(fp(f));
        }
        Node n = new Node(fp(name), name, address, flags, bw, fam, Set.of(), policy);
        nodes.add(n);
        return n;
    }

    /** g0, g1 guards; m0–m3 middles; e0–e3 exits; m0+e0 a family; m1 claims e1 alone; m2 and e2 share a /16. */
    private NetworkView network(boolean distinctSubnets) {
        add("g0", "10.1.0.1", GUARD, 1000, PortPolicy.REJECT_ALL);
        add("g1", "10.2.0.1", GUARD, 1000, PortPolicy.REJECT_ALL);
        add("m0", "10.3.0.1", MIDDLE, 1000, PortPolicy.REJECT_ALL, "e0");
        add("m1", "10.4.0.1", MIDDLE, 1000, PortPolicy.REJECT_ALL, "e1");
        add("m2", "10.5.0.1", MIDDLE, 1000, PortPolicy.REJECT_ALL);
        add("m3", "10.6.0.1", Set.of("Fast", "Running", "Valid"), 1000, PortPolicy.REJECT_ALL);
        add("e0", "10.7.0.1", EXIT, 1000, ALL, "m0");
        add("e1", "10.8.0.1", EXIT, 1000, ALL);
        add("e2", "10.5.0.2", EXIT, 1000, ALL);
        add("e3", "10.9.0.1", EXIT, 1000, PortPolicy.parse("reject 8080"));
        return NetworkView.of(nodes, BandwidthWeights.NONE, distinctSubnets);
    }

    private static List<String> guards() {
        return List.of(fp("g0"), fp("g1"));
    }

    @Test
    void thousandsOfPathsNeverJoinAFamilyOrASlash16AndRespectExitPolicies() throws Exception {
        NetworkView view = network(true);
        PathSelector selector = new PathSelector(view, new SplittableRandom(7));
        Map<String, Integer> middles = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            Path p = selector.select(PathRequest.anyExit(8080), guards());
            assertThat(p.exit().nickname()).isNotEqualTo("e3");
            assertThat(p.guard().nickname()).isEqualTo("g0");
            for (Node a : p.hops()) {
                for (Node b : p.hops()) {
                    if (a != b) {
                        assertThat(a.sameFamily(b)).as("%s and %s: one family", a, b).isFalse();
                        assertThat(a.sameSubnet(b)).as("%s and %s: one /16", a, b).isFalse();
                    }
                }
            }
            middles.merge(p.middle().nickname() + "-" + p.exit().nickname(), 1, Integer::sum);
        }
        assertThat(middles).doesNotContainKeys("m0-e0", "m2-e2")
                .as("a one-sided family claim proves nothing").containsKey("m1-e1");
    }

    @Test
    void withoutEnforceDistinctSubnetsOneSlash16IsAllowed() throws Exception {
        PathSelector selector = new PathSelector(network(false), new SplittableRandom(7));
        boolean together = false;
        for (int i = 0; i < 2000 && !together; i++) {
            Path p = selector.select(PathRequest.through(Set.of(fp("e2")), 80), guards());
            together = p.middle().nickname().equals("m2");
        }
        assertThat(together).isTrue();
    }

    @Test
    void aPinnedExitWhosePolicyRejectsThePortIsRefusedWithTheReason() {
        PathSelector selector = new PathSelector(network(true), new SplittableRandom(1));
        assertThatThrownBy(() -> selector.select(PathRequest.through(Set.of(fp("e3")), 8080), guards()))
                .isInstanceOf(NoPathException.class)
                .hasMessage("the exit's policy rejects port 8080")
                .extracting(e -> ((NoPathException) e).reason()).isEqualTo(NoPathException.Reason.EXIT_REJECTS_PORT);
    }

    @Test
    void longLivedPortsNeedStableRelays() throws Exception {
        NetworkView view = network(true);
        PathSelector selector = new PathSelector(view, new SplittableRandom(3));
        for (int i = 0; i < 2000; i++) {
            Path p = selector.select(PathRequest.anyExit(22), guards());
            assertThat(p.middle().nickname()).as("m3 is not Stable").isNotEqualTo("m3");
        }
    }

    @Test
    void theFirstGuardThatFitsTheExitIsUsedAndNoneFittingIsNoGuard() throws Exception {
        NetworkView base = network(true);
        List<Node> all = new ArrayList<>(base.nodes());
        Node familyOfG0 = new Node(fp("x0"), "x0", "10.20.0.1", EXIT, 1000, Set.of(fp("g0"), fp("g1")), Set.of(), ALL);
        all.replaceAll(n -> n.nickname().startsWith("g")
                ? new Node(n.fingerprint(), n.nickname(), n.address(), n.flags(), n.bandwidth(), Set.of(fp("x0")),
                        Set.of(), n.policy())
                : n);
        all.add(familyOfG0);
        PathSelector selector = new PathSelector(NetworkView.of(all, BandwidthWeights.NONE, true), new SplittableRandom(1));
        assertThatThrownBy(() -> selector.select(PathRequest.through(Set.of(fp("x0")), 80), guards()))
                .extracting(e -> ((NoPathException) e).reason()).isEqualTo(NoPathException.Reason.NO_GUARD);
        assertThat(selector.select(PathRequest.through(Set.of(fp("x0")), 80), List.of(fp("g0"), fp("m1"))).guard()
                .nickname()).as("g0 is x0's family; the next guard in tor's order fits").isEqualTo("m1");
    }

    @Test
    void exitsAreDrawnByBandwidthTimesTheirPositionWeight() throws Exception {
        add("g0", "10.1.0.1", GUARD, 1000, PortPolicy.REJECT_ALL);
        add("m0", "10.3.0.1", MIDDLE, 1000, PortPolicy.REJECT_ALL);
        add("big", "10.7.0.1", EXIT, 3000, ALL);
        add("small", "10.8.0.1", EXIT, 1000, ALL);
        add("guardexit", "10.9.0.1", Set.of("Exit", "Guard", "Fast", "Running", "Stable", "Valid"), 4000, ALL);
        // Wed = 2500: a Guard+Exit relay counts a quarter as an exit; Wee = 10000.
        NetworkView view = NetworkView.of(nodes, BandwidthWeights.parse("Wed=2500 Wee=10000 Wmd=0 Wme=0"), true);
        PathSelector selector = new PathSelector(view, new SplittableRandom(11));
        Map<String, Integer> count = new HashMap<>();
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            Path p = selector.select(PathRequest.anyExit(443), List.of(fp("g0")));
            count.merge(p.exit().nickname(), 1, Integer::sum);
            assertThat(p.middle().nickname()).as("Wme = Wmd = 0 and m0 is the only other").isEqualTo("m0");
        }
        // weights 3000 : 1000 : 4000 × 0.25 = 1000  →  0.6 : 0.2 : 0.2
        assertThat(count.get("big") / (double) draws).isBetween(0.58, 0.62);
        assertThat(count.get("small") / (double) draws).isBetween(0.18, 0.22);
        assertThat(count.get("guardexit") / (double) draws).isBetween(0.18, 0.22);
    }

    @Test
    void badExitsAndRelaysNotRunningAreNeverChosenAndTheirAbsenceIsNamed() {
        add("g0", "10.1.0.1", GUARD, 1000, PortPolicy.REJECT_ALL);
        add("m0", "10.3.0.1", MIDDLE, 1000, PortPolicy.REJECT_ALL);
        add("bad", "10.7.0.1", Set.of("Exit", "BadExit", "Fast", "Running", "Valid"), 1000, ALL);
        add("down", "10.8.0.1", Set.of("Exit", "Fast", "Valid"), 1000, ALL);
        PathSelector selector = new PathSelector(NetworkView.of(nodes, BandwidthWeights.NONE, true), new SplittableRandom(1));
        assertThatThrownBy(() -> selector.select(PathRequest.anyExit(80), List.of(fp("g0"))))
                .hasMessage("no usable exit in the consensus");
        assertThatThrownBy(() -> selector.select(PathRequest.through(Set.of(fp("down"), fp("bad")), 80),
                List.of(fp("g0"))))
                .hasMessage("none of the 2 wanted exit(s) is in the consensus, Running and Valid, Fast");
    }

    @Test
    void aFailedMiddleIsAvoidedOnTheRetry() throws Exception {
        PathSelector selector = new PathSelector(network(true), new SplittableRandom(5));
        PathRequest request = PathRequest.through(Set.of(fp("e1")), 80).avoidingMiddle(fp("m1")).avoidingMiddle(fp("m2"));
        for (int i = 0; i < 500; i++) {
            assertThat(selector.select(request, guards()).middle().nickname()).isNotIn("m1", "m2", "e1", "g0");
        }
    }
}
