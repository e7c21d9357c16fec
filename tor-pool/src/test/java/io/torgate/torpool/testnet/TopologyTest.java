package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Where relays live and which ones break a path rule on purpose, for every network size. */
class TopologyTest {

    @Test
    void theDefaultNetworkHasEachCaseOnDifferentRelays() {
        Topology t = new Topology(3, 4);
        assertThat(t.family()).contains(new Topology.Pair("middle0", "exit0"));
        assertThat(t.sharedSubnet()).contains(new Topology.Pair("middle1", "exit1"));
        assertThat(t.rejectingExit()).contains("exit3");
        assertThat(t.familyPeer("middle0")).contains("exit0");
        assertThat(t.familyPeer("exit0")).contains("middle0");
        assertThat(t.familyPeer("exit1")).isEmpty();
    }

    @Test
    void everyRelayHasItsOwnSlash16AboveTheServersExceptTheSharedSubnetExit() {
        List<RelaySpec> relays = NetworkPlanner.skeleton(3, 24);
        Map<String, List<String>> bySubnet = relays.stream().collect(Collectors.groupingBy(
                r -> Topology.subnet16(r.address()), Collectors.mapping(RelaySpec::nickname, Collectors.toList())));
        assertThat(bySubnet).hasSize(relays.size() - 1);
        assertThat(bySubnet.values()).filteredOn(names -> names.size() > 1).containsExactly(List.of("middle1", "exit1"));
        assertThat(bySubnet).doesNotContainKey("127.0.0.0/16");
        assertThat(relays.get(0).address()).isEqualTo("127.10.0.1");
        assertThat(relays).filteredOn(r -> r.nickname().equals("middle1")).singleElement()
                .extracting(RelaySpec::address).isEqualTo("127.14.0.1");
        assertThat(relays).filteredOn(r -> r.nickname().equals("exit1")).singleElement()
                .extracting(RelaySpec::address).isEqualTo("127.14.0.2");
        assertThat(relays.get(relays.size() - 1).address()).isEqualTo("127." + (Topology.FIRST_NET + 29) + ".0.1");
    }

    @Test
    void smallNetworksDropTheCasesTheyCannotHoldApart() {
        Topology oneExit = new Topology(0, 1);
        assertThat(oneExit.family()).isEmpty();
        assertThat(oneExit.sharedSubnet()).isEmpty();
        assertThat(oneExit.rejectingExit()).as("the only exit carries everything").isEmpty();
        assertThat(oneExit.address(3, "exit0")).isEqualTo("127.13.0.1");

        Topology twoByTwo = new Topology(2, 2);
        assertThat(twoByTwo.family()).contains(new Topology.Pair("middle0", "exit0"));
        assertThat(twoByTwo.sharedSubnet()).contains(new Topology.Pair("middle1", "exit1"));
        assertThat(twoByTwo.rejectingExit()).as("shares its relay with the subnet case").contains("exit1");

        Topology oneMiddle = new Topology(1, 4);
        assertThat(oneMiddle.family()).isPresent();
        assertThat(oneMiddle.sharedSubnet()).isEmpty();
        assertThat(oneMiddle.address(4, "exit0")).isEqualTo("127.14.0.1");
    }

    @Test
    void subnet16IsTheFirstTwoOctets() {
        assertThat(Topology.subnet16("127.14.0.2")).isEqualTo("127.14.0.0/16");
        assertThatThrownBy(() -> Topology.subnet16("::1")).hasMessageContaining("'::1'");
    }
}
