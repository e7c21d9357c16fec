package io.torgate.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * ISO 3166-1 alpha-2 country lists as the username grammar writes them: {@code de} or {@code de_fr_nl}.
 * Codes are checked against the JDK's list so a typo such as {@code xx} is an error, not an exit that never
 * matches.
 */
final class CountryCodes {

    /** Uppercase, as {@link Locale#getISOCountries()} gives them. */
    private static final Set<String> ISO_ALPHA2 = Set.of(Locale.getISOCountries());

    private CountryCodes() {
    }

    /**
     * Parses {@code cc[_cc…]} into lowercase codes, in the order given.
     *
     * @param key the option being parsed, for the error message
     */
    static List<String> parseList(String key, String value) throws RouteRequestException {
        String[] parts = value.split("_", -1);
        List<String> codes = new ArrayList<>(parts.length);
        for (String part : parts) {
            if (part.isEmpty()) {
                throw badValue(key, value, "empty country code (stray '_')");
            }
            if (part.length() != 2 || !isAsciiLetters(part)) {
                throw badValue(key, value, UsernameGrammar.quote(part) + " is not a two-letter country code");
            }
            // Lowercase is canonical; uppercase input (country-US, the seed's spelling) is accepted and folded.
            String code = part.toLowerCase(Locale.ROOT);
            if (!ISO_ALPHA2.contains(code.toUpperCase(Locale.ROOT))) {
                throw badValue(key, value, UsernameGrammar.quote(part)
                        + " is not an ISO 3166-1 alpha-2 country code");
            }
            if (codes.contains(code)) {
                throw badValue(key, value, UsernameGrammar.quote(code) + " appears twice");
            }
            codes.add(code);
        }
        return codes;
    }

    private static boolean isAsciiLetters(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
                return false;
            }
        }
        return true;
    }

    private static RouteRequestException badValue(String key, String value, String why) {
        return new RouteRequestException(RouteRequestException.Reason.BAD_VALUE,
                "bad value for " + key + " " + UsernameGrammar.quote(value) + ": " + why);
    }
}
