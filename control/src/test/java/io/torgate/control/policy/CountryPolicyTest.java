package io.torgate.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.UsernameGrammar;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CountryPolicyTest {

    private static final String FP_DE = "0123456789ABCDEF0123456789ABCDEF01234567";
    private static final String FP_US = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";
    private static final String FP_UNKNOWN = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private static final RelayCountries RELAYS = fp -> Optional.ofNullable(Map.of(FP_DE, "de", FP_US, "us").get(fp));

    private static final UserPolicy DE_NL = new UserPolicy(Optional.of(List.of("de", "nl")), RouteDefaults.NONE, 0, 0);

    private static CountryPolicy.Decision check(String username, UserPolicy policy) throws RouteRequestException {
        return CountryPolicy.check(UsernameGrammar.parse(username), policy, RELAYS);
    }

    private static void assertRefused(CountryPolicy.Decision d, String reason, String detail) {
        assertThat(d.route()).isEmpty();
        assertThat(d.refusal()).contains(new Refusal(reason, detail));
    }

    @Test
    void withoutAnAllowedListEverythingPassesUnchanged() throws Exception {
        for (String u : List.of("alice", "alice-country-us", "alice-exit-" + FP_UNKNOWN, "alice-exclude-de")) {
            RouteRequest r = UsernameGrammar.parse(u);
            assertThat(CountryPolicy.check(r, UserPolicy.UNRESTRICTED, RelayCountries.UNKNOWN).route()).containsSame(r);
        }
    }

    @Test
    void askedCountriesMustAllBeAllowed() throws Exception {
        assertThat(check("alice-country-de", DE_NL).route().orElseThrow().countries()).containsExactly("de");
        assertThat(check("alice-country-nl_de", DE_NL).route().orElseThrow().countries()).containsExactly("nl", "de");
        assertRefused(check("alice-country-fr", DE_NL), Refusal.COUNTRY_NOT_ALLOWED, "country fr is not allowed for alice");
        assertRefused(check("alice-country-de_fr", DE_NL), Refusal.COUNTRY_NOT_ALLOWED,
                "country fr is not allowed for alice");
    }

    @Test
    void noCountryAskedIsNarrowedToTheAllowedOnesMinusExclusions() throws Exception {
        RouteRequest any = check("alice", DE_NL).route().orElseThrow();
        assertThat(any.countries()).containsExactly("de", "nl");
        assertThat(any.explicit()).contains(UsernameGrammar.COUNTRY);
        RouteRequest notDe = check("alice-exclude-de", DE_NL).route().orElseThrow();
        assertThat(notDe.countries()).containsExactly("nl");
        assertThat(notDe.excluded()).containsExactly("de");
        assertThat(check("alice-exclude-us", DE_NL).route().orElseThrow().countries()).containsExactly("de", "nl");
    }

    @Test
    void excludingEveryAllowedCountryIsRefused() throws Exception {
        assertRefused(check("alice-exclude-de_nl", DE_NL), Refusal.COUNTRY_NOT_ALLOWED,
                "exclude-de_nl leaves no country alice may use (allowed: de, nl)");
    }

    @Test
    void aPinnedExitIsCheckedByItsCountryInTheDirectory() throws Exception {
        assertThat(check("alice-exit-" + FP_DE, DE_NL).route()).isPresent();
        assertRefused(check("alice-exit-" + FP_US, DE_NL), Refusal.COUNTRY_NOT_ALLOWED,
                "country us of exit " + FP_US + " is not allowed for alice");
        assertRefused(check("alice-exit-" + FP_UNKNOWN, DE_NL), Refusal.EXIT_COUNTRY_UNKNOWN,
                "exit " + FP_UNKNOWN + " is not in the node directory, so its country cannot be checked against the"
                        + " countries alice may use");
    }

    @Test
    void aRefusalIsSocks02AndHttp403() {
        var e = new Refusal(Refusal.MAX_TUNNELS, "why").toException();
        assertThat(e.reply().code()).isEqualTo((byte) 0x02);
        assertThat(e.reply().httpStatus()).isEqualTo(403);
        assertThat(e.reason()).isEqualTo("max_tunnels");
        assertThat(e.detail()).isEqualTo("why");
    }
}
