package io.torgate.gateway;

import io.torgate.gateway.testing.LeakCheckPerClass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.gateway.RouteRequestException.Reason;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@LeakCheckPerClass
class UsernameGrammarTest {

    private static final String FP = "0123456789abcdefABCDEF0123456789abcdef01";
    private static final String FP_UPPER = "0123456789ABCDEFABCDEF0123456789ABCDEF01";

    // ---- accepted ----------------------------------------------------------------------------------------

    @Test
    void plainUserHasEveryDefault() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice");
        assertThat(r).isEqualTo(RouteRequest.plain("alice"));
        assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(r.mode()).isEqualTo(Mode.FLEXIBLE);
        assertThat(r.explicit()).isEmpty();
    }

    @Test
    void theIssueExampleParsesCompletely() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-country-de-session-x7k2-ttl-30m");
        assertThat(r.user()).isEqualTo("alice");
        assertThat(r.countries()).containsExactly("de");
        assertThat(r.excluded()).isEmpty();
        assertThat(r.session()).contains("x7k2");
        assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(r.mode()).isEqualTo(Mode.FLEXIBLE);
        assertThat(r.exitFingerprint()).isEmpty();
        assertThat(r.rotateEach()).isFalse();
        assertThat(r.explicit()).containsExactlyInAnyOrder("country", "session", "ttl");
    }

    @Test
    void everyCompatibleKeyAtOnceInAnyOrder() throws Exception {
        RouteRequest r = UsernameGrammar.parse("bob_1.x-mode-strict-ttl-2h-exclude-us_ru-session-S1-country-de_fr_nl");
        assertThat(r.user()).isEqualTo("bob_1.x");
        assertThat(r.countries()).containsExactly("de", "fr", "nl");
        assertThat(r.excluded()).containsExactly("us", "ru");
        assertThat(r.session()).contains("S1");
        assertThat(r.ttl()).isEqualTo(Duration.ofHours(2));
        assertThat(r.mode()).isEqualTo(Mode.STRICT);
        assertThat(r.explicit()).containsExactlyInAnyOrder("mode", "ttl", "exclude", "session", "country");
    }

    @ParameterizedTest
    @CsvSource({
            "alice-country-de,          de",
            "alice-country-DE,          de",
            "alice-country-De_fR,       de fr",
            "alice-country-us_gb_ch_jp, us gb ch jp",
    })
    void countryListsAreLowercasedAndKeepTheirOrder(String username, String expected) throws Exception {
        assertThat(UsernameGrammar.parse(username).countries()).containsExactly(expected.split(" "));
    }

    @Test
    void seedGeoCategoriesHaveTheirEquivalents() throws Exception {
        RouteRequest us = UsernameGrammar.parse("alice-country-US");
        assertThat(us.countries()).containsExactly("us");
        RouteRequest nonUs = UsernameGrammar.parse("alice-exclude-US");
        assertThat(nonUs.countries()).isEmpty();
        assertThat(nonUs.excluded()).containsExactly("us");
    }

    @Test
    void everyIsoCountryIsAccepted() throws Exception {
        for (String cc : Locale.getISOCountries()) {
            assertThat(UsernameGrammar.parse("a-country-" + cc).countries())
                    .containsExactly(cc.toLowerCase(Locale.ROOT));
        }
    }

    @ParameterizedTest
    @CsvSource({
            "1s,     PT1S",
            "90s,    PT1M30S",
            "10m,    PT10M",
            "2h,     PT2H",
            "24h,    PT24H",
            "1440m,  PT24H",
            "86400s, PT24H",
            "010m,   PT10M",
    })
    void ttlDurations(String ttl, Duration expected) throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-session-a-ttl-" + ttl);
        assertThat(r.ttl()).isEqualTo(expected);
        assertThat(r.explicit()).contains("ttl");
    }

    @Test
    void sessionWithoutTtlGetsTheDefaultTtl() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-session-abcdefghijABCDEFGHIJ0123456789xy");
        assertThat(r.session()).contains("abcdefghijABCDEFGHIJ0123456789xy");
        assertThat(r.ttl()).isEqualTo(RouteRequest.DEFAULT_TTL);
        assertThat(r.explicit()).containsExactly("session");
    }

    @Test
    void sessionIdsAreCaseSensitive() throws Exception {
        assertThat(UsernameGrammar.parse("alice-session-AbC").session()).contains("AbC");
    }

    @Test
    void exitIsStoredUppercaseAndImpliesStrictWithoutMarkingModeExplicit() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-exit-" + FP);
        assertThat(r.exitFingerprint()).contains(FP_UPPER);
        assertThat(r.mode()).isEqualTo(Mode.STRICT);
        assertThat(r.explicit()).containsExactly("exit");
    }

    @Test
    void exitWithExplicitStrictModeAndASession() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-exit-" + FP_UPPER + "-mode-strict-session-s");
        assertThat(r.exitFingerprint()).contains(FP_UPPER);
        assertThat(r.mode()).isEqualTo(Mode.STRICT);
        assertThat(r.session()).contains("s");
    }

    @ParameterizedTest
    @CsvSource({"mode-strict, STRICT", "mode-flexible, FLEXIBLE"})
    void modes(String option, Mode expected) throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-" + option);
        assertThat(r.mode()).isEqualTo(expected);
        assertThat(r.explicit()).containsExactly("mode");
    }

    @Test
    void rotateEach() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-country-se-rotate-each");
        assertThat(r.rotateEach()).isTrue();
        assertThat(r.session()).isEmpty();
        assertThat(r.explicit()).containsExactlyInAnyOrder("country", "rotate");
    }

    @Test
    void rotateEachMayPinAnExit() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-rotate-each-exit-" + FP);
        assertThat(r.rotateEach()).isTrue();
        assertThat(r.exitFingerprint()).contains(FP_UPPER);
    }

    @Test
    void countryAndExcludeMayBothBeGivenWhenDisjoint() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-country-de_fr-exclude-us");
        assertThat(r.countries()).containsExactly("de", "fr");
        assertThat(r.excluded()).containsExactly("us");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "A", "0", "_", ".", "Alice.Smith_42"})
    void usersOfAllowedCharacters(String user) throws Exception {
        assertThat(UsernameGrammar.parse(user).user()).isEqualTo(user);
        assertThat(UsernameGrammar.parse(user + "-country-de").user()).isEqualTo(user);
    }

    @Test
    void userOfSixtyFourCharacters() throws Exception {
        String user = "u".repeat(64);
        assertThat(UsernameGrammar.parse(user).user()).isEqualTo(user);
    }

    @Test
    void usernameOfExactlyTheMaximumLengthIsAccepted() throws Exception {
        // 64 (user) + 9 ("-country-") + 61 codes * 3 - 1 = 255
        String[] iso = Locale.getISOCountries();
        List<String> codes = Stream.of(iso).limit(61).map(c -> c.toLowerCase(Locale.ROOT)).toList();
        String username = "u".repeat(64) + "-country-" + String.join("_", codes);
        assertThat(username).hasSize(UsernameGrammar.MAX_LENGTH);
        assertThat(UsernameGrammar.parse(username).countries()).isEqualTo(codes);
    }

    // ---- rejected ----------------------------------------------------------------------------------------

    static Stream<Arguments> rejected() {
        return Stream.of(
                // empty user
                rejected("", Reason.EMPTY_USER, "empty username"),
                rejected("-country-de", Reason.EMPTY_USER, "empty user"),
                rejected("-", Reason.EMPTY_USER, "empty user"),
                // bad user
                rejected("al!ce", Reason.BAD_VALUE, "bad user 'al!ce'"),
                rejected("al ce-country-de", Reason.BAD_VALUE, "bad user 'al ce'"),
                rejected("u".repeat(65), Reason.BAD_VALUE, "bad user"),
                rejected("ålice", Reason.BAD_VALUE, "'\\u00e5lice'"),
                // unknown keys
                rejected("alice-foo-bar", Reason.UNKNOWN_KEY, "unknown key 'foo'"),
                rejected("alice-Country-de", Reason.UNKNOWN_KEY, "unknown key 'Country'"),
                rejected("alice-geo-US", Reason.UNKNOWN_KEY, "country-us for US and exclude-us for NON-US"),
                rejected("alice-geo-NON-US", Reason.UNKNOWN_KEY, "unknown key 'geo'"),
                rejected("alice-", Reason.UNKNOWN_KEY, "empty key"),
                rejected("alice--country-de", Reason.UNKNOWN_KEY, "empty key"),
                rejected("alice-country-de-", Reason.UNKNOWN_KEY, "empty key"),
                rejected("alice-foo", Reason.UNKNOWN_KEY, "unknown key 'foo'"),
                // missing values
                rejected("alice-country", Reason.MISSING_VALUE, "key 'country' has no value"),
                rejected("alice-session-a-ttl", Reason.MISSING_VALUE, "key 'ttl' has no value"),
                rejected("alice-country--session-a", Reason.MISSING_VALUE, "key 'country' has an empty value"),
                rejected("alice-rotate", Reason.MISSING_VALUE, "key 'rotate' has no value"),
                // duplicate keys
                rejected("alice-country-de-country-fr", Reason.DUPLICATE_KEY, "key 'country' appears twice"),
                rejected("alice-session-a-session-a", Reason.DUPLICATE_KEY, "key 'session' appears twice"),
                rejected("alice-mode-strict-mode-strict", Reason.DUPLICATE_KEY, "key 'mode' appears twice"),
                rejected("alice-country-de-country", Reason.DUPLICATE_KEY, "key 'country' appears twice"),
                // country values
                rejected("alice-country-xx", Reason.BAD_VALUE, "'xx' is not an ISO 3166-1 alpha-2"),
                rejected("alice-country-de_xx", Reason.BAD_VALUE, "bad value for country 'de_xx'"),
                rejected("alice-country-deu", Reason.BAD_VALUE, "'deu' is not a two-letter country code"),
                rejected("alice-country-d", Reason.BAD_VALUE, "'d' is not a two-letter"),
                rejected("alice-country-d1", Reason.BAD_VALUE, "'d1' is not a two-letter"),
                rejected("alice-country-de_", Reason.BAD_VALUE, "empty country code"),
                rejected("alice-country-_de", Reason.BAD_VALUE, "empty country code"),
                rejected("alice-country-de__fr", Reason.BAD_VALUE, "empty country code"),
                rejected("alice-country-de_fr_de", Reason.BAD_VALUE, "'de' appears twice"),
                rejected("alice-country-de_DE", Reason.BAD_VALUE, "'de' appears twice"),
                rejected("alice-exclude-zz", Reason.BAD_VALUE, "bad value for exclude 'zz'"),
                rejected("alice-exclude-us_us", Reason.BAD_VALUE, "'us' appears twice"),
                // session values
                rejected("alice-session-a_b", Reason.BAD_VALUE, "bad value for session 'a_b'"),
                rejected("alice-session-a.b", Reason.BAD_VALUE, "bad value for session 'a.b'"),
                rejected("alice-session-" + "s".repeat(33), Reason.BAD_VALUE, "bad value for session"),
                // ttl values
                rejected("alice-session-a-ttl-0s", Reason.BAD_VALUE, "between 1s and 24h"),
                rejected("alice-session-a-ttl-0m", Reason.BAD_VALUE, "between 1s and 24h"),
                rejected("alice-session-a-ttl-25h", Reason.BAD_VALUE, "bad value for ttl '25h'"),
                rejected("alice-session-a-ttl-1441m", Reason.BAD_VALUE, "between 1s and 24h"),
                rejected("alice-session-a-ttl-86401s", Reason.BAD_VALUE, "between 1s and 24h"),
                rejected("alice-session-a-ttl-999999999h", Reason.BAD_VALUE, "between 1s and 24h"),
                rejected("alice-session-a-ttl-9999999999s", Reason.BAD_VALUE, "a whole number followed by"),
                rejected("alice-session-a-ttl-10", Reason.BAD_VALUE, "bad value for ttl '10'"),
                rejected("alice-session-a-ttl-m", Reason.BAD_VALUE, "bad value for ttl 'm'"),
                rejected("alice-session-a-ttl-10d", Reason.BAD_VALUE, "bad value for ttl '10d'"),
                rejected("alice-session-a-ttl-10M", Reason.BAD_VALUE, "bad value for ttl '10M'"),
                rejected("alice-session-a-ttl-1.5h", Reason.BAD_VALUE, "bad value for ttl '1.5h'"),
                rejected("alice-session-a-ttl-PT10M", Reason.BAD_VALUE, "bad value for ttl 'PT10M'"),
                // mode values
                rejected("alice-mode-STRICT", Reason.BAD_VALUE, "bad value for mode 'STRICT'"),
                rejected("alice-mode-loose", Reason.BAD_VALUE, "must be strict or flexible"),
                // exit values
                rejected("alice-exit-" + FP.substring(1), Reason.BAD_VALUE, "40 hex digits"),
                rejected("alice-exit-" + FP + "0", Reason.BAD_VALUE, "40 hex digits"),
                rejected("alice-exit-" + FP.substring(1) + "g", Reason.BAD_VALUE, "bad value for exit"),
                // rotate values
                rejected("alice-rotate-always", Reason.BAD_VALUE, "bad value for rotate 'always'"),
                rejected("alice-rotate-EACH", Reason.BAD_VALUE, "the only value is each"),
                // combinations
                rejected("alice-exit-" + FP + "-country-de", Reason.INVALID_COMBINATION, "combined with country"),
                rejected("alice-country-de-exit-" + FP, Reason.INVALID_COMBINATION, "combined with country"),
                rejected("alice-exit-" + FP + "-exclude-us", Reason.INVALID_COMBINATION, "combined with exclude"),
                rejected("alice-exit-" + FP + "-mode-flexible", Reason.INVALID_COMBINATION, "mode-flexible"),
                rejected("alice-rotate-each-session-a", Reason.INVALID_COMBINATION, "combined with session"),
                rejected("alice-ttl-10m", Reason.INVALID_COMBINATION, "needs session"),
                rejected("alice-rotate-each-ttl-10m", Reason.INVALID_COMBINATION, "needs session"),
                rejected("alice-country-de_us-exclude-fr_us", Reason.INVALID_COMBINATION,
                        "country 'us' is both wanted (country) and excluded (exclude)"),
                // length bound
                rejected("a".repeat(256), Reason.BAD_VALUE, "256 characters long, the limit is 255"),
                rejected("alice-session-a-" + "x".repeat(300), Reason.BAD_VALUE, "the limit is 255"));
    }

    private static Arguments rejected(String username, Reason reason, String messagePart) {
        return Arguments.of(username, reason, messagePart);
    }

    @ParameterizedTest
    @MethodSource("rejected")
    void rejectedWithReasonAndAMessageNamingTheProblem(String username, Reason reason, String messagePart) {
        assertThatThrownBy(() -> UsernameGrammar.parse(username))
                .isInstanceOfSatisfying(RouteRequestException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).contains(messagePart);
                });
    }

    @Test
    void nullUsernameIsAnEmptyUser() {
        assertThatThrownBy(() -> UsernameGrammar.parse(null))
                .isInstanceOfSatisfying(RouteRequestException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY_USER));
    }

    @Test
    void unknownKeyMessageListsTheKeys() {
        assertThatThrownBy(() -> UsernameGrammar.parse("alice-contry-de"))
                .hasMessage("unknown key 'contry'; keys are country, exclude, session, ttl, mode, exit, rotate");
    }

    @Test
    void messagesEscapeControlCharactersAndCutLongInput() {
        assertThatThrownBy(() -> UsernameGrammar.parse("alice-session-a\r\nINFO forged"))
                .isInstanceOf(RouteRequestException.class)
                .hasMessageContaining("'a\\u000d\\u000aINFO forged'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r", "\n"));
        String longValue = "z".repeat(200);
        assertThatThrownBy(() -> UsernameGrammar.parse("alice-session-" + longValue))
                .satisfies(e -> assertThat(e.getMessage()).contains("'" + "z".repeat(64) + "...'")
                        .doesNotContain("z".repeat(65)));
    }

    @Test
    void theFirstProblemInTheUsernameIsReported() {
        assertThatThrownBy(() -> UsernameGrammar.parse("alice-country-xx-foo-bar"))
                .isInstanceOfSatisfying(RouteRequestException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_VALUE));
    }

    @Test
    void resultIsImmutable() throws Exception {
        RouteRequest r = UsernameGrammar.parse("alice-country-de-session-a");
        assertThatThrownBy(() -> r.countries().add("fr")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.explicit().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(r).isEqualTo(new RouteRequest("alice", List.of("de"), List.of(), Optional.of("a"),
                RouteRequest.DEFAULT_TTL, Mode.FLEXIBLE, Optional.empty(), false, Set.of("country", "session")));
    }

    @Test
    void keysConstantListsEveryKeyOnce() {
        assertThat(UsernameGrammar.KEYS)
                .containsExactly("country", "exclude", "session", "ttl", "mode", "exit", "rotate")
                .doesNotHaveDuplicates();
    }
}
