package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConsensusTest {

    private static final String NS = """
            network-status-version 3
            vote-status consensus
            valid-after 2026-11-23 02:36:32
            fresh-until 2026-11-23 02:36:42
            valid-until 2026-11-23 02:36:52
            r middle1 BqF25z8pXgUp+iR8ORTheVbsUmw sDv4884TRQIla0EtcJHI877Nv9I 2026-11-23 02:35:39 127.0.0.14 46749 0
            s Fast Guard HSDir Running Stable Valid
            v Tor 0.4.9.11
            w Bandwidth=1000
            r exit2 DXpSgrApEx8G2nCgy7vPVKazITA ArO2G5Jhnz4+qPw/vARK+YJjAxw 2026-11-23 02:35:44 127.0.0.18 39667 0
            s Exit Fast Guard HSDir Stable Valid
            w Bandwidth=1000 Measured=1000
            directory-footer
            r ignored AAAAAAAAAAAAAAAAAAAAAAAAAAA 2026-11-23 02:35:44 127.0.0.99 1 0
            """;

    private static final String MICRODESC = """
            network-status-version 3 microdesc
            valid-after 2026-11-23 02:36:32
            valid-until 2026-11-23 02:36:52
            r middle1 BqF25z8pXgUp+iR8ORTheVbsUmw 2038-01-01 00:00:00 127.0.0.14 46749 0
            m U65Qj+XWtDzDfw5kMdVuf0VrjRQIqtdHA3b4ZuIJeWk
            s Fast Running Valid
            """;

    @Test
    void readsTimesAndEachRelaysAddressFlagsAndWeight() {
        Consensus c = Consensus.parse(NS).orElseThrow();
        assertThat(c.validAfter()).isEqualTo(Instant.parse("2026-11-23T02:36:32Z"));
        assertThat(c.validUntil()).isEqualTo(Instant.parse("2026-11-23T02:36:52Z"));
        assertThat(c.entries()).hasSize(2);
        // base64 "BqF25z8pXgUp+iR8ORTheVbsUmw" is this identity digest
        Consensus.Entry middle = c.entry("06A176E73F295E0529FA247C3914E17956EC526C").orElseThrow();
        assertThat(middle.nickname()).isEqualTo("middle1");
        assertThat(middle.address()).isEqualTo("127.0.0.14");
        assertThat(middle.orPort()).isEqualTo(46749);
        assertThat(middle.flags()).contains("Running", "Valid").doesNotContain("Exit");
        assertThat(middle.bandwidth()).isEqualTo(1000);
        Consensus.Entry exit = c.entries().values().stream().filter(e -> e.nickname().equals("exit2")).findFirst().orElseThrow();
        assertThat(exit.has("Exit")).isTrue();
        assertThat(exit.has("Running")).isFalse();
    }

    @Test
    void readsTheMicrodescFlavourWhoseRouterLinesHaveNoDigest() {
        Consensus c = Consensus.parse(MICRODESC).orElseThrow();
        Consensus.Entry e = c.entry("06A176E73F295E0529FA247C3914E17956EC526C").orElseThrow();
        assertThat(e.address()).isEqualTo("127.0.0.14");
        assertThat(e.orPort()).isEqualTo(46749);
        assertThat(e.flags()).containsExactlyInAnyOrder("Fast", "Running", "Valid");
    }

    @Test
    void aHalfWrittenFileIsNotAConsensus() {
        assertThat(Consensus.parse("network-status-version 3\nvote-status consensus\n")).isEmpty();
        assertThat(Consensus.parse("")).isEmpty();
    }
}
