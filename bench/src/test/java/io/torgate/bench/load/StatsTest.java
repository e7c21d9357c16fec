package io.torgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Stats.median(List.of(5.0, 1.0, 3.0))).isEqualTo(3.0);
        assertThat(Stats.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(Stats.median(List.of())).isNaN();
    }

    @Test
    void nearestRankPercentile() {
        long[] hundred = new long[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertThat(Stats.percentile(hundred, 50)).isEqualTo(50);
        assertThat(Stats.percentile(hundred, 99)).isEqualTo(99);
        assertThat(Stats.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThat(Stats.percentile(new long[0], 50)).isNaN();
    }

    @Test
    void medianConfidenceIntervalIsTheSignTestRanks() {
        double[] hundred = new double[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        // n = 100: k = floor(50 - 9.8) = 40, so the 40th and the 61st smallest.
        assertThat(Stats.medianConfidence95(hundred)).containsExactly(40.0, 61.0);
        assertThat(Stats.medianConfidence95(new double[] {1, 2, 3, 4, 5, 6})).containsExactly(1.0, 6.0);
        assertThat(Stats.medianConfidence95(new double[] {1, 2, 3})).containsExactly(Double.NaN, Double.NaN);
    }

    @Test
    void peerOrderRotatesEachRound() {
        assertThat(LoadHarness.rotated(List.of("a", "b", "c"), 1)).containsExactly("b", "c", "a");
        assertThat(LoadHarness.rotated(List.of("a", "b", "c"), 3)).containsExactly("a", "b", "c");
    }

    @Test
    void peerSpecsParseAndBadOnesAreNamed() {
        Peer p = HarnessSettings.peer("dante=127.0.0.1:1080,pid=42");
        assertThat(p.name()).isEqualTo("dante");
        assertThat(p.socks().getPort()).isEqualTo(1080);
        assertThat(p.memory()).isInstanceOf(ProcessMemory.class);
        assertThat(HarnessSettings.peer("direct").isDirect()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HarnessSettings.peer("x=127.0.0.1:1,colour=red"))
                .hasMessageContaining("colour=red");
    }
}
