package io.torgate.control.policy;

import static io.torgate.gateway.UsernameGrammar.COUNTRY;
import static io.torgate.gateway.UsernameGrammar.EXCLUDE;
import static io.torgate.gateway.UsernameGrammar.EXIT;
import static io.torgate.gateway.UsernameGrammar.MODE;
import static io.torgate.gateway.UsernameGrammar.ROTATE;
import static io.torgate.gateway.UsernameGrammar.SESSION;
import static io.torgate.gateway.UsernameGrammar.TTL;
import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.Mode;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.UsernameGrammar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyLayeringTest {

    private static final String FP = "0123456789ABCDEF0123456789ABCDEF01234567";
    private static final String FP2 = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";

    private static RouteRequest parse(String username) {
        try {
            return UsernameGrammar.parse(username);
        } catch (RouteRequestException e) {
            throw new AssertionError(username + ": " + e.getMessage(), e);
        }
    }

    private static RouteDefaults defaults(List<String> countries, List<String> excluded, String exit, Mode mode,
                                          Duration ttl, boolean rotate) {
        return new RouteDefaults(countries, excluded, Optional.ofNullable(exit), Optional.ofNullable(mode),
                Optional.ofNullable(ttl), rotate);
    }

    private static RouteDefaults country(String... codes) {
        return defaults(List.of(codes), List.of(), null, null, null, false);
    }

    // ---- the documented rules, one by one ----

    @Test
    void noDefaultsLeavesTheRequestAlone() {
        RouteRequest asked = parse("alice-country-de-session-x");
        assertThat(PolicyLayering.effective(asked, RouteDefaults.NONE)).isSameAs(asked);
    }

    @Test
    void defaultsFillWhatTheUsernameLeavesOut() {
        RouteDefaults d = defaults(List.of("de", "nl"), List.of("us"), null, Mode.STRICT, Duration.ofHours(1), false);
        RouteRequest r = PolicyLayering.effective(parse("alice-session-x"), d);
        assertThat(r.countries()).containsExactly("de", "nl");
        assertThat(r.excluded()).containsExactly("us");
        assertThat(r.mode()).isEqualTo(Mode.STRICT);
        assertThat(r.ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(r.session()).contains("x");
        assertThat(r.explicit()).containsExactlyInAnyOrder(COUNTRY, EXCLUDE, MODE, TTL, SESSION);
    }

    @Test
    void aUsernameOptionOverridesTheDefaultOfTheSameKey() {
        RouteDefaults d = defaults(List.of("de"), List.of("us"), null, Mode.STRICT, Duration.ofHours(1), false);
        RouteRequest r = PolicyLayering.effective(parse("alice-country-fr-exclude-ru-mode-flexible-session-x-ttl-5m"), d);
        assertThat(r.countries()).containsExactly("fr");
        assertThat(r.excluded()).containsExactly("ru");
        assertThat(r.mode()).isEqualTo(Mode.FLEXIBLE);
        assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void usernameExitDropsDefaultCountryExcludeAndMode() {
        RouteDefaults d = defaults(List.of("de"), List.of("us"), null, Mode.FLEXIBLE, null, false);
        RouteRequest r = PolicyLayering.effective(parse("alice-exit-" + FP), d);
        assertThat(r.exitFingerprint()).contains(FP);
        assertThat(r.countries()).isEmpty();
        assertThat(r.excluded()).isEmpty();
        assertThat(r.mode()).isEqualTo(Mode.STRICT);
        assertThat(r.explicit()).containsExactly(EXIT);
    }

    @Test
    void usernameCountryExcludeOrFlexibleDropsADefaultExit() {
        RouteDefaults d = defaults(List.of(), List.of(), FP2, null, null, false);
        assertThat(PolicyLayering.effective(parse("alice"), d).exitFingerprint()).contains(FP2);
        assertThat(PolicyLayering.effective(parse("alice"), d).mode()).isEqualTo(Mode.STRICT);
        assertThat(PolicyLayering.effective(parse("alice-mode-strict"), d).exitFingerprint()).contains(FP2);
        for (String username : List.of("alice-country-de", "alice-exclude-de", "alice-mode-flexible")) {
            RouteRequest r = PolicyLayering.effective(parse(username), d);
            assertThat(r.exitFingerprint()).as(username).isEmpty();
            assertThat(r.explicit()).as(username).doesNotContain(EXIT);
        }
        assertThat(PolicyLayering.effective(parse("alice-mode-flexible"), d).mode()).isEqualTo(Mode.FLEXIBLE);
    }

    @Test
    void usernameCountryLeavesTheDefaultExcludeMinusThatCountry() {
        RouteDefaults d = defaults(List.of(), List.of("us", "ru"), null, null, null, false);
        RouteRequest r = PolicyLayering.effective(parse("alice-country-us"), d);
        assertThat(r.countries()).containsExactly("us");
        assertThat(r.excluded()).containsExactly("ru");
        RouteRequest all = PolicyLayering.effective(parse("alice-country-us_ru"),
                defaults(List.of(), List.of("us", "ru"), null, null, null, false));
        assertThat(all.excluded()).isEmpty();
        assertThat(all.explicit()).doesNotContain(EXCLUDE);
    }

    @Test
    void usernameExcludeOfTheOnlyDefaultCountryMeansAnyOtherCountry() {
        RouteRequest r = PolicyLayering.effective(parse("alice-exclude-de"), country("de"));
        assertThat(r.countries()).isEmpty();
        assertThat(r.excluded()).containsExactly("de");
        assertThat(r.explicit()).containsExactly(EXCLUDE);
        RouteRequest some = PolicyLayering.effective(parse("alice-exclude-de"), country("de", "nl"));
        assertThat(some.countries()).containsExactly("nl");
    }

    @Test
    void usernameSessionBeatsDefaultRotateAndDefaultTtlNeedsASession() {
        RouteDefaults d = defaults(List.of(), List.of(), null, null, Duration.ofHours(2), true);
        RouteRequest rotating = PolicyLayering.effective(parse("alice"), d);
        assertThat(rotating.rotateEach()).isTrue();
        assertThat(rotating.ttl()).isEqualTo(RouteRequest.DEFAULT_TTL);
        assertThat(rotating.explicit()).containsExactly(ROTATE);
        RouteRequest sticky = PolicyLayering.effective(parse("alice-session-x"), d);
        assertThat(sticky.rotateEach()).isFalse();
        assertThat(sticky.ttl()).isEqualTo(Duration.ofHours(2));
        assertThat(sticky.explicit()).containsExactlyInAnyOrder(SESSION, TTL);
    }

    // ---- every combination: the result is always a valid username and keeps what the username said ----

    @Test
    void everyUsernameOverEveryDefaultSetGivesAValidRequestThatKeepsTheUsernamesOptions() {
        List<RouteRequest> usernames = usernames();
        List<RouteDefaults> defaultSets = defaultSets();
        // 84 usernames without exit (7 country/exclude pairs x 3 modes x 4 session/ttl/rotate) + 8 with exit;
        // the same count of default sets by the same rules.
        assertThat(usernames).hasSize(92);
        assertThat(defaultSets).hasSize(92);
        int checked = 0;
        for (RouteRequest asked : usernames) {
            for (RouteDefaults d : defaultSets) {
                RouteRequest r = PolicyLayering.effective(asked, d);
                String what = asked + " over " + d;
                checkGrammarValid(r, what);
                checkUsernameKept(asked, r, what);
                checkDefaultsApplied(asked, d, r, what);
                checkNothingFromNowhere(asked, d, r, what);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(92 * 92);
    }

    /** Rendered back into a username, the result parses to itself, explicit keys included. */
    private static void checkGrammarValid(RouteRequest r, String what) {
        StringBuilder u = new StringBuilder(r.user());
        if (r.explicit().contains(COUNTRY)) {
            u.append("-country-").append(String.join("_", r.countries()));
        }
        if (r.explicit().contains(EXCLUDE)) {
            u.append("-exclude-").append(String.join("_", r.excluded()));
        }
        if (r.explicit().contains(EXIT)) {
            u.append("-exit-").append(r.exitFingerprint().orElseThrow());
        }
        if (r.explicit().contains(MODE)) {
            u.append("-mode-").append(r.mode().name().toLowerCase());
        }
        if (r.explicit().contains(SESSION)) {
            u.append("-session-").append(r.session().orElseThrow());
        }
        if (r.explicit().contains(TTL)) {
            u.append("-ttl-").append(r.ttl().toSeconds()).append('s');
        }
        if (r.explicit().contains(ROTATE)) {
            u.append("-rotate-each");
        }
        RouteRequest back;
        try {
            back = UsernameGrammar.parse(u.toString());
        } catch (RouteRequestException e) {
            throw new AssertionError(what + " gave " + r + ", not a valid username: " + e.getMessage());
        }
        assertThat(back).as(what).isEqualTo(r);
    }

    private static void checkUsernameKept(RouteRequest asked, RouteRequest r, String what) {
        Set<String> said = asked.explicit();
        if (said.contains(COUNTRY)) {
            assertThat(r.countries()).as(what).isEqualTo(asked.countries());
        }
        if (said.contains(EXCLUDE)) {
            assertThat(r.excluded()).as(what).isEqualTo(asked.excluded());
        }
        if (said.contains(EXIT)) {
            assertThat(r.exitFingerprint()).as(what).isEqualTo(asked.exitFingerprint());
        }
        if (said.contains(MODE)) {
            assertThat(r.mode()).as(what).isEqualTo(asked.mode());
        }
        if (said.contains(TTL)) {
            assertThat(r.ttl()).as(what).isEqualTo(asked.ttl());
        }
        if (said.contains(ROTATE)) {
            assertThat(r.rotateEach()).as(what).isTrue();
        }
        assertThat(r.session()).as(what).isEqualTo(asked.session());
        assertThat(r.user()).as(what).isEqualTo(asked.user());
        assertThat(r.explicit()).as(what).containsAll(said);
    }

    private static void checkDefaultsApplied(RouteRequest asked, RouteDefaults d, RouteRequest r, String what) {
        Set<String> said = asked.explicit();
        boolean exitConflict = said.contains(COUNTRY) || said.contains(EXCLUDE) || said.contains(EXIT)
                || (said.contains(MODE) && asked.mode() == Mode.FLEXIBLE);
        if (d.exitFingerprint().isPresent() && !exitConflict) {
            assertThat(r.exitFingerprint()).as(what).isEqualTo(d.exitFingerprint());
        }
        if (r.exitFingerprint().isEmpty() && !said.contains(COUNTRY) && !d.countries().isEmpty()) {
            assertThat(r.countries()).as(what).isEqualTo(
                    d.countries().stream().filter(c -> !asked.excluded().contains(c)).toList());
        }
        if (r.exitFingerprint().isPresent()) {
            assertThat(r.mode()).as(what).isEqualTo(Mode.STRICT);
        } else if (!said.contains(MODE)) {
            assertThat(r.mode()).as(what).isEqualTo(d.mode().orElse(Mode.FLEXIBLE));
        }
        if (asked.session().isPresent() && !said.contains(TTL)) {
            assertThat(r.ttl()).as(what).isEqualTo(d.ttl().orElse(RouteRequest.DEFAULT_TTL));
        }
        if (!said.contains(ROTATE)) {
            assertThat(r.rotateEach()).as(what).isEqualTo(asked.session().isEmpty() && d.rotateEach());
        }
    }

    private static void checkNothingFromNowhere(RouteRequest asked, RouteDefaults d, RouteRequest r, String what) {
        for (String c : r.countries()) {
            assertThat(asked.countries().contains(c) || d.countries().contains(c)).as(what).isTrue();
        }
        for (String c : r.excluded()) {
            assertThat(asked.excluded().contains(c) || d.excluded().contains(c)).as(what).isTrue();
        }
        r.exitFingerprint().ifPresent(fp ->
                assertThat(fp.equals(asked.exitFingerprint().orElse(null)) || fp.equals(d.exitFingerprint().orElse(null)))
                        .as(what).isTrue());
    }

    /** Every username the grammar accepts from a small vocabulary of each key. */
    private static List<RouteRequest> usernames() {
        List<RouteRequest> out = new ArrayList<>();
        for (String country : new String[] {"", "-country-de", "-country-de_fr"}) {
            for (String exclude : new String[] {"", "-exclude-de", "-exclude-us"}) {
                for (String exit : new String[] {"", "-exit-" + FP}) {
                    for (String mode : new String[] {"", "-mode-strict", "-mode-flexible"}) {
                        for (String session : new String[] {"", "-session-s1"}) {
                            for (String ttl : new String[] {"", "-ttl-30m"}) {
                                for (String rotate : new String[] {"", "-rotate-each"}) {
                                    try {
                                        out.add(UsernameGrammar.parse("alice" + country + exclude + exit + mode
                                                + session + ttl + rotate));
                                    } catch (RouteRequestException invalidCombination) {
                                        // the grammar refuses it; nothing to layer
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Every default set RouteDefaults accepts from a small vocabulary. */
    private static List<RouteDefaults> defaultSets() {
        List<RouteDefaults> out = new ArrayList<>();
        for (List<String> countries : List.of(List.<String>of(), List.of("de"), List.of("de", "nl"))) {
            for (List<String> excluded : List.of(List.<String>of(), List.of("us"), List.of("de"))) {
                for (String exit : new String[] {null, FP2}) {
                    for (Mode mode : new Mode[] {null, Mode.STRICT, Mode.FLEXIBLE}) {
                        for (Duration ttl : new Duration[] {null, Duration.ofHours(1)}) {
                            for (boolean rotate : new boolean[] {false, true}) {
                                try {
                                    out.add(defaults(countries, excluded, exit, mode, ttl, rotate));
                                } catch (IllegalArgumentException invalidCombination) {
                                    // a username could not carry it either
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
