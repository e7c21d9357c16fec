package io.torgate.bench.jmh;

import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.UsernameGrammar;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * {@link UsernameGrammar#parse} runs once per SOCKS5/HTTP handshake. Typical usernames, the longest valid one
 * (every key, 255 characters worth of country lists) and a rejected one (exceptions build messages).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UsernameGrammarBenchmark {

    @Param({"plain", "country", "session", "worst", "rejected"})
    public String username;

    private String input;

    @org.openjdk.jmh.annotations.Setup
    public void setup() {
        input = switch (username) {
            case "plain" -> "alice";
            case "country" -> "alice-country-de";
            case "session" -> "alice-country-de_nl_fr-session-x7k2Q9-ttl-30m-mode-strict";
            // Every option a session-sticky request can carry, with long lists: the most parsing work that
            // still succeeds.
            case "worst" -> "user_name.with.64.chars.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    + "-country-de_nl_fr_se_ch_at_be_lu_dk_no_fi_is_ie_gb_es_pt_it_gr_pl_cz"
                    + "-exclude-us_ca_au_nz_ru_cn-session-abcdefghijklmnopqrstuvwxyz012345"
                    + "-ttl-24h-mode-strict";
            case "rejected" -> "alice-country-de-exclude-de";
            default -> throw new IllegalArgumentException("unknown username case " + username);
        };
        if (input.length() > UsernameGrammar.MAX_LENGTH) {
            throw new IllegalStateException("benchmark input longer than the grammar allows: " + input.length());
        }
    }

    @Benchmark
    public Object parse() {
        try {
            RouteRequest parsed = UsernameGrammar.parse(input);
            return parsed;
        } catch (RouteRequestException e) {
            return e;
        }
    }
}
