package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.UsernameGrammar;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small parts of exit routing, without tor: demands, exit health, exit verdicts. */
class RoutingPiecesTest {

    private static final String A = "A".repeat(40);
    private static final String B = "B".repeat(40);
    private static final String C = "C".repeat(40);

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

    @Test
    void anUnreachableMarkLastsItsCoolDownOrUntilCleared() {
        ExitHealth h = new ExitHealth();
        long t = 1_000;
        h.mark(A, "3 circuits failed", t);
        assertThat(h.unreachable(A, t + ExitHealth.COOL_DOWN.toNanos() - 1)).contains("3 circuits failed");
        assertThat(h.unreachable(B, t)).isEmpty();
        assertThat(h.marked(t)).as("what 'any' circuits avoid").containsExactly(A);
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
