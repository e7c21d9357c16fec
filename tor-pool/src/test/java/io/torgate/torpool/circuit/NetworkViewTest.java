package io.torgate.torpool.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Parsing what tor answers: the microdescriptor consensus (as a testnet instance gave it) and microdescriptors. */
class NetworkViewTest {

    private static final String CONSENSUS = """
            network-status-version 3 microdesc
            vote-status consensus
            known-flags Authority Exit Fast Guard HSDir NoEdConsensus Running Stable StaleDesc Sybil V2Dir Valid
            r exit1 AdzTx2UsHnnxYbQxf8Nacbs2qsg 2038-01-01 00:00:00 127.0.0.17 42529 0
            m dU3ihybh2WqqBM+k0GZ4npsQnofNKl3HowKBYJmxKhc
            s Exit Fast Guard HSDir Running Stable Valid
            v Tor 0.4.9.11
            pr Conflux=1 Cons=1-2 Desc=1-4
            w Bandwidth=1000
            r middle2 ZBNT/X/rP+dSg8xITKEgkUsfj7E 2038-01-01 00:00:00 127.0.0.15 39345 0
            m gAXM1Rdl/FJs/1JL3Nqj65vxPpy5GuTFmUsZAIrg8/Q
            s Fast Guard HSDir Running Stable Valid
            w Bandwidth=20 Unmeasured=1
            r broken !!! 2038-01-01 00:00:00 127.0.0.16 1 0
            s Fast Running Valid
            directory-footer
            bandwidth-weights Wbd=2063 Wbe=0 Wed=5874 Wee=10000 Wgd=2063 Wgg=5001 Wmd=2063 Wme=0 Wmg=4999 Wmm=10000
            directory-signature sha256 4603C634C4B8A971514506EC4013FFC61E9F35D8 43282264FC29BC4B2D87545B557E2520CDCAFDDB
            -----BEGIN SIGNATURE-----
            fnnWNSxmQvWDNjp7akPrGlWVYBhjdg4Z34Q9YAbQyoje9wIDxrMqwq0c7H85Mxqb
            -----END SIGNATURE-----
            """;

    @Test
    void theConsensusGivesRelaysFlagsBandwidthAndWeights() {
        NetworkView.Consensus c = NetworkView.parseConsensus(CONSENSUS);
        assertThat(c.entries()).extracting(NetworkView.ConsensusEntry::nickname).containsExactly("exit1", "middle2");
        NetworkView.ConsensusEntry exit = c.entries().get(0);
        assertThat(exit.fingerprint()).isEqualTo("01DCD3C7652C1E79F161B4317FC35A71BB36AAC8");
        assertThat(exit.address()).isEqualTo("127.0.0.17");
        assertThat(exit.flags()).contains("Exit", "Guard", "Fast");
        assertThat(exit.bandwidth()).isEqualTo(1000);
        assertThat(c.entries().get(1).bandwidth()).isEqualTo(20);
        Set<String> guardExit = Set.of("Exit", "Guard");
        assertThat(c.weights().weight(BandwidthWeights.Position.EXIT, guardExit)).isEqualTo(5874);
        assertThat(c.weights().weight(BandwidthWeights.Position.MIDDLE, Set.of("Exit"))).isZero();
        assertThat(c.weights().weight(BandwidthWeights.Position.GUARD, Set.of("Guard"))).isEqualTo(5001);
        assertThat(c.weights().weight(BandwidthWeights.Position.EXIT, Set.of("Exit", "Fast")))
                .as("Wee").isEqualTo(10000);
        assertThat(c.weights().weight(BandwidthWeights.Position.GUARD, Set.of("Exit"))).isZero();
        assertThat(BandwidthWeights.NONE.weight(BandwidthWeights.Position.MIDDLE, Set.of())).isEqualTo(10000);
    }

    @Test
    void aMicrodescriptorGivesFamilyFamilyIdsAndPolicy() {
        NetworkView.Microdescriptor md = NetworkView.parseMicrodescriptor("""
                onion-key
                -----BEGIN RSA PUBLIC KEY-----
                MIGJAoGBAMoVskaxtX8SgDYMMkcG3WG/3rj43ZqJEOtLj5hmxJ/zcnCtvI9kyys2
                -----END RSA PUBLIC KEY-----
                ntor-onion-key /hLVTGDh939/g7eRAD5F/QvH0NdQ3YZrr/bRfxD90W8
                family $641353FD7FEB3FE75283CC484CA120914B1F8FB1 $c0db5d25d4678a5377af91f82ffd37d2997492ec=exit2 somenick
                family-ids ed25519:abc
                p accept 1-22,24-65535
                id ed25519 3lUQ3ZUnJOCbOdQhgdy+YFtfNftQ1Tniqua4oS9Jul4
                """);
        assertThat(md.family()).containsExactlyInAnyOrder("641353FD7FEB3FE75283CC484CA120914B1F8FB1",
                "C0DB5D25D4678A5377AF91F82FFD37D2997492EC");
        assertThat(md.familyIds()).containsExactly("ed25519:abc");
        assertThat(md.policy().accepts(22)).isTrue();
        assertThat(md.policy().accepts(23)).isFalse();
        assertThat(md.policy()).hasToString("accept 1-22,24-65535");
        assertThat(NetworkView.parseMicrodescriptor("onion-key\n").policy().acceptsSome()).isFalse();
    }

    @Test
    void theViewJoinsTheTwoAndARelayWithoutAMicrodescriptorNeverExits() {
        NetworkView.Consensus c = NetworkView.parseConsensus(CONSENSUS);
        NetworkView view = NetworkView.build(c, Map.of("01DCD3C7652C1E79F161B4317FC35A71BB36AAC8",
                NetworkView.parseMicrodescriptor("p reject 25\n")), true);
        assertThat(view.node("01DCD3C7652C1E79F161B4317FC35A71BB36AAC8").orElseThrow().isExit()).isTrue();
        assertThat(view.node("641353FD7FEB3FE75283CC484CA120914B1F8FB1").orElseThrow().policy())
                .isEqualTo(PortPolicy.REJECT_ALL);
        assertThat(view.distinctSubnets()).isTrue();
        assertThat(view.size()).isEqualTo(2);
    }

    @Test
    void policySummariesReadAsTorWritesThem() {
        PortPolicy reject = PortPolicy.parse("reject 25,119,135-139,445");
        assertThat(reject.accepts(80)).isTrue();
        assertThat(reject.accepts(137)).isFalse();
        assertThat(PortPolicy.parse("p accept 80,443").accepts(443)).isTrue();
        assertThat(PortPolicy.parse("accept 80,443").accepts(22)).isFalse();
        assertThat(PortPolicy.parse("reject 1-65535").acceptsSome()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PortPolicy.parse("accept 0-5"))
                .hasMessageContaining("out of range");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PortPolicy.parse("allow 80"))
                .hasMessageContaining("not a policy summary");
    }

    @Test
    void aSlash16IsTheFirstTwoOctets() {
        assertThat(Node.subnet16("127.14.0.1")).isEqualTo(Node.subnet16("127.14.200.2"));
        assertThat(Node.subnet16("127.14.0.1")).isNotEqualTo(Node.subnet16("127.15.0.1"));
        assertThat(Node.subnet16("10.1.0.1")).isNotEqualTo(Node.subnet16("101.0.0.1"));
        assertThat(Node.subnet16("1.21.0.1")).isNotEqualTo(Node.subnet16("12.1.0.1"));
        assertThat(Node.subnet16("255.255.1.1")).isEqualTo((255 << 16) | (255 << 8));
    }
}
