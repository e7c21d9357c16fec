package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.gateway.UsernameGrammar;
import io.torgate.torpool.control.CircuitEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The small parts of exit routing, without tor: profiles, demands, the pinned-exit watch, exit health. */
class RoutingPiecesTest {

    private static final String A = "A".repeat(40);
    private static final String B = "B".repeat(40);
    private static final String C = "C".repeat(40);

    @Test
    void profilesCompareByExitsAndSayWhatToSet() {
        ExitProfile group = ExitProfile.group("country-de_us", Set.of(B, A));
        assertThat(group.sameExits(ExitProfile.group("exclude-fr", Set.of(A, B)))).as("labels aside").isTrue();
        assertThat(group.sameExits(ExitProfile.ANY)).isFalse();
        assertThat(ExitProfile.ANY.sameExits(ExitProfile.ANY)).isTrue();
        assertThat(group.within(Set.of(A, B, C))).isTrue();
        assertThat(group.within(Set.of(A))).as("one of its exits is not allowed").isFalse();
        assertThat(ExitProfile.ANY.within(Set.of(A))).as("any exit is never within a group").isFalse();
        assertThat(group.torOptions()).containsExactly(Map.entry("ExitNodes", "$" + A + ",$" + B), Map.entry("StrictNodes", "1"));
        assertThat(ExitProfile.ANY.torOptions()).containsOnlyKeys("ExitNodes", "StrictNodes");
        assertThat(ExitProfile.one(C)).isEqualTo(new ExitProfile(ExitProfile.Kind.ONE, Set.of(C), "exit-" + C));
        assertThat(ExitProfile.one(C).toString()).isEqualTo("exit-" + C + " (1 exit)");
        assertThatThrownBy(() -> new ExitProfile(ExitProfile.Kind.ONE, Set.of(A, B), "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> ExitProfile.group("g", Set.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(ExitProfile.one(C).singleExit()).contains(C);
        assertThat(ExitProfile.group("country-us", Set.of(C)).singleExit()).as("a one-exit group is one exit to tor")
                .contains(C);
        assertThat(group.singleExit()).isEmpty();
        assertThat(ExitProfile.ANY.singleExit()).isEmpty();
    }

    @Test
    void demandsDescribeThemselvesForLabelsAndMessages() throws Exception {
        ExitDemand both = ExitDemand.of(UsernameGrammar.parse("u-country-de_nl-exclude-us"));
        assertThat(both.label()).isEqualTo("country-de_nl-exclude-us");
        assertThat(both.describe()).isEqualTo("in [de, nl] outside [us]");
        assertThat(both.filter().countries()).containsExactlyInAnyOrder("de", "nl");
        ExitDemand out = ExitDemand.of(UsernameGrammar.parse("u-exclude-us"));
        assertThat(out.describe()).isEqualTo("outside [us]");
        assertThat(ExitDemand.of(UsernameGrammar.parse("u-exit-" + A.toLowerCase())).label()).isEqualTo("exit-" + A);
        assertThat(ExitDemand.of(UsernameGrammar.parse("u-session-s")).isAny()).isTrue();
        assertThat(ExitDemand.ANY.label()).isEqualTo("any");
    }

    private static CircuitEvent circ(String line) {
        return CircuitEvent.parse(line);
    }

    @Test
    void aPinnedExitIsFailingAfterThreeOfItsOwnCircuitsFailInARow() {
        List<String> calls = new ArrayList<>();
        PinnedExitWatch w = new PinnedExitWatch(A, new PinnedExitWatch.Callback() {
            @Override
            public void failing(PinnedExitWatch watch, String fingerprint, String reason) {
                calls.add("failing " + reason);
            }

            @Override
            public void built(PinnedExitWatch watch, String fingerprint) {
                calls.add("built");
            }
        });
        String path = "$" + B + "~g,$" + C + "~m";
        // Launched before the watch: its failure says nothing about the new profile.
        w.onCircuit(circ("1 FAILED " + path + " PURPOSE=GENERAL REASON=DESTROYED"));
        for (int id = 2; id <= 4; id++) {
            w.onCircuit(circ(id + " LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL"));
        }
        w.onCircuit(circ("2 FAILED " + path + " PURPOSE=GENERAL REASON=DESTROYED"));
        w.onCircuit(circ("3 FAILED " + path + " PURPOSE=GENERAL REASON=FINISHED")); // a NEWNYM discard: benign
        w.onCircuit(circ("4 FAILED " + path + " PURPOSE=GENERAL REASON=TIMEOUT"));
        assertThat(calls).isEmpty();
        w.onCircuit(circ("5 LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL"));
        w.onCircuit(circ("5 BUILT " + path + ",$" + A + "~e PURPOSE=GENERAL"));
        assertThat(calls).containsExactly("built");
        for (int id = 6; id <= 8; id++) {
            w.onCircuit(circ(id + " LAUNCHED BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL"));
            w.onCircuit(circ(id + " FAILED " + path + " PURPOSE=GENERAL REASON=CHANNEL_CLOSED"));
        }
        assertThat(calls).hasSize(2).last().asString()
                .isEqualTo("failing 3 circuits to it failed in a row (last: CHANNEL_CLOSED)");
        // Internal circuits (onion services, directory fetches) are not exit circuits.
        w.onCircuit(circ("9 LAUNCHED BUILD_FLAGS=IS_INTERNAL,NEED_CAPACITY PURPOSE=GENERAL"));
        w.onCircuit(circ("9 FAILED " + path + " BUILD_FLAGS=IS_INTERNAL,NEED_CAPACITY PURPOSE=GENERAL REASON=TIMEOUT"));
        assertThat(calls).hasSize(2);
    }

    @Test
    void anUnreachableMarkLastsItsCoolDownOrUntilCleared() {
        ExitHealth h = new ExitHealth();
        long t = 1_000;
        h.mark(A, "3 circuits failed", t);
        assertThat(h.unreachable(A, t + ExitHealth.COOL_DOWN.toNanos() - 1)).contains("3 circuits failed");
        assertThat(h.unreachable(B, t)).isEmpty();
        assertThat(h.unreachable(A, t + ExitHealth.COOL_DOWN.toNanos() + 1)).as("cooled down: try again").isEmpty();
        h.mark(A, "again", t);
        h.clear(A);
        assertThat(h.unreachable(A, t)).isEmpty();
        assertThat(ExitHealth.COOL_DOWN).isGreaterThan(Duration.ZERO);
    }

    @Test
    void onlyAnExitsResolveFailureIsTheFinalWordForTheClient() {
        assertThat(ExitVerdict.of("RESOLVEFAILED")).contains(io.torgate.gateway.UpstreamCause.DNS_ERROR);
        for (String retried : List.of("TIMEOUT", "EXITPOLICY", "CONNECTREFUSED", "NOROUTE", "DESTROY", "MISC", "DONE")) {
            assertThat(ExitVerdict.of(retried)).as(retried).isEmpty();
        }
    }
}
