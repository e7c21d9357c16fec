package io.torgate.gateway;

import io.torgate.gateway.RouteRequestException.Reason;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The username routing grammar: {@code USER[-KEY-VALUE]…}, e.g. {@code alice-country-de-session-x7k2-ttl-30m}.
 * A pure function: no I/O, no state.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>value</th><th>default</th></tr>
 *   <tr><td>{@code country}</td><td>{@code cc[_cc…]}, ISO 3166-1 alpha-2</td><td>any country</td></tr>
 *   <tr><td>{@code exclude}</td><td>{@code cc[_cc…]}</td><td>none excluded</td></tr>
 *   <tr><td>{@code session}</td><td>{@code [A-Za-z0-9]{1,32}}</td><td>no session</td></tr>
 *   <tr><td>{@code ttl}</td><td>{@code 90s}, {@code 10m}, {@code 2h}: 1 s … 24 h</td><td>10 m</td></tr>
 *   <tr><td>{@code mode}</td><td>{@code strict} | {@code flexible}</td><td>flexible</td></tr>
 *   <tr><td>{@code exit}</td><td>40 hex digits (relay fingerprint)</td><td>none</td></tr>
 *   <tr><td>{@code rotate}</td><td>{@code each}</td><td>off</td></tr>
 * </table>
 *
 * Decisions worth knowing:
 * <ul>
 *   <li>Keys and keyword values ({@code strict}, {@code each}, …) are lowercase only: a fixed vocabulary has
 *       one spelling. Country codes and fingerprints are case-insensitive and normalised (countries to
 *       lowercase, fingerprints to uppercase), because both are commonly written either way. Session ids
 *       and the user are case-sensitive.</li>
 *   <li>The seed's geo categories map as {@code US} = {@code country-us} and {@code NON-US} =
 *       {@code exclude-us}; a {@code geo} key is not accepted because {@code NON-US} contains the separator.</li>
 *   <li>Rejected combinations: {@code exit} with {@code country} or {@code exclude} (a pinned relay already
 *       fixes the country); {@code exit} with {@code mode-flexible} (a pin is strict by definition);
 *       {@code rotate-each} with {@code session} (a fresh circuit per connection contradicts stickiness);
 *       {@code ttl} without {@code session} (the ttl is a session's life, so alone it would silently do
 *       nothing); a code both in {@code country} and {@code exclude}.</li>
 *   <li>The whole username is at most {@value #MAX_LENGTH} characters (SOCKS5's own limit in bytes).</li>
 * </ul>
 * {@link RouteRequest#explicit()} holds exactly the keys the username carried; implied settings (the strict
 * mode of {@code exit}, the default ttl) are not in it.
 */
public final class UsernameGrammar {

    public static final String COUNTRY = "country";
    public static final String EXCLUDE = "exclude";
    public static final String SESSION = "session";
    public static final String TTL = "ttl";
    public static final String MODE = "mode";
    public static final String EXIT = "exit";
    public static final String ROTATE = "rotate";

    /** Every key, in the order the documentation lists them. */
    public static final List<String> KEYS = List.of(COUNTRY, EXCLUDE, SESSION, TTL, MODE, EXIT, ROTATE);

    /** SOCKS5 carries at most 255 bytes of username (RFC 1929); HTTP gets the same bound. */
    public static final int MAX_LENGTH = 255;

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_.]{1,64}");
    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})([smh])");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9A-Fa-f]{40}");
    private static final int MAX_SHOWN = 64;

    private UsernameGrammar() {
    }

    public static RouteRequest parse(String username) throws RouteRequestException {
        if (username == null || username.isEmpty()) {
            throw new RouteRequestException(Reason.EMPTY_USER, "empty username");
        }
        if (username.length() > MAX_LENGTH) {
            throw new RouteRequestException(Reason.BAD_VALUE,
                    "username is " + username.length() + " characters long, the limit is " + MAX_LENGTH);
        }
        String[] tokens = username.split("-", -1);
        String user = tokens[0];
        if (user.isEmpty()) {
            throw new RouteRequestException(Reason.EMPTY_USER, "empty user before the first '-' in "
                    + quote(username));
        }
        if (!USER.matcher(user).matches()) {
            throw new RouteRequestException(Reason.BAD_VALUE, "bad user " + quote(user)
                    + ": 1 to 64 of the characters A-Z a-z 0-9 _ .");
        }

        Options o = new Options();
        for (int i = 1; i < tokens.length; i += 2) {
            String key = tokens[i];
            if (!KEYS.contains(key)) {
                throw unknownKey(key);
            }
            if (!o.explicit.add(key)) {
                throw new RouteRequestException(Reason.DUPLICATE_KEY, "key " + quote(key) + " appears twice");
            }
            if (i + 1 >= tokens.length) {
                throw new RouteRequestException(Reason.MISSING_VALUE, "key " + quote(key) + " has no value");
            }
            String value = tokens[i + 1];
            if (value.isEmpty()) {
                throw new RouteRequestException(Reason.MISSING_VALUE, "key " + quote(key) + " has an empty value");
            }
            o.set(key, value);
        }
        o.checkCombinations();
        return new RouteRequest(user, o.countries, o.excluded, o.session, o.ttl.orElse(RouteRequest.DEFAULT_TTL),
                o.effectiveMode(), o.exit, o.rotateEach, o.explicit);
    }

    /** The options of one username while it is parsed. */
    private static final class Options {
        final Set<String> explicit = new HashSet<>();
        List<String> countries = List.of();
        List<String> excluded = List.of();
        Optional<String> session = Optional.empty();
        Optional<Duration> ttl = Optional.empty();
        Optional<Mode> mode = Optional.empty();
        Optional<String> exit = Optional.empty();
        boolean rotateEach;

        void set(String key, String value) throws RouteRequestException {
            switch (key) {
                case COUNTRY -> countries = CountryCodes.parseList(key, value);
                case EXCLUDE -> excluded = CountryCodes.parseList(key, value);
                case SESSION -> session = Optional.of(sessionId(value));
                case TTL -> ttl = Optional.of(duration(value));
                case MODE -> mode = Optional.of(parseMode(value));
                case EXIT -> exit = Optional.of(fingerprint(value));
                case ROTATE -> rotateEach = rotate(value);
                default -> throw new IllegalStateException("key list and switch disagree: " + key);
            }
        }

        Mode effectiveMode() {
            return mode.orElse(exit.isPresent() ? Mode.STRICT : Mode.FLEXIBLE);
        }

        void checkCombinations() throws RouteRequestException {
            if (exit.isPresent() && explicit.contains(COUNTRY)) {
                throw combination("exit pins one relay, so it cannot be combined with country");
            }
            if (exit.isPresent() && explicit.contains(EXCLUDE)) {
                throw combination("exit pins one relay, so it cannot be combined with exclude");
            }
            if (exit.isPresent() && mode.orElse(null) == Mode.FLEXIBLE) {
                throw combination("exit pins one relay and is always strict, so it cannot be mode-flexible");
            }
            if (rotateEach && session.isPresent()) {
                throw combination("rotate-each gives every connection a fresh circuit, so it cannot be"
                        + " combined with session");
            }
            if (ttl.isPresent() && session.isEmpty()) {
                throw combination("ttl is the life of a session, so it needs session-ID");
            }
            for (String code : countries) {
                if (excluded.contains(code)) {
                    throw combination("country " + quote(code) + " is both wanted (country) and excluded (exclude)");
                }
            }
        }
    }

    private static String sessionId(String value) throws RouteRequestException {
        if (!SESSION_ID.matcher(value).matches()) {
            throw badValue(SESSION, value, "1 to 32 of the characters A-Z a-z 0-9");
        }
        return value;
    }

    private static Duration duration(String value) throws RouteRequestException {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw badValue(TTL, value, "a whole number followed by s, m or h, e.g. 90s, 10m, 2h");
        }
        long n = Long.parseLong(m.group(1)); // at most 9 digits: cannot overflow below
        Duration d = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(RouteRequest.MIN_TTL) < 0 || d.compareTo(RouteRequest.MAX_TTL) > 0) {
            throw badValue(TTL, value, "must be between 1s and 24h");
        }
        return d;
    }

    private static Mode parseMode(String value) throws RouteRequestException {
        return switch (value) {
            case "strict" -> Mode.STRICT;
            case "flexible" -> Mode.FLEXIBLE;
            default -> throw badValue(MODE, value, "must be strict or flexible");
        };
    }

    private static String fingerprint(String value) throws RouteRequestException {
        if (!FINGERPRINT.matcher(value).matches()) {
            throw badValue(EXIT, value, "a relay fingerprint is 40 hex digits");
        }
        return value.toUpperCase(Locale.ROOT);
    }

    private static boolean rotate(String value) throws RouteRequestException {
        if (!value.equals("each")) {
            throw badValue(ROTATE, value, "the only value is each (rotate-each)");
        }
        return true;
    }

    private static RouteRequestException unknownKey(String key) {
        String hint = key.equals("geo")
                ? " (for the geo categories use country-us for US and exclude-us for NON-US)"
                : "";
        String what = key.isEmpty() ? "empty key (a stray '-')" : "unknown key " + quote(key);
        return new RouteRequestException(Reason.UNKNOWN_KEY,
                what + "; keys are " + String.join(", ", KEYS) + hint);
    }

    private static RouteRequestException badValue(String key, String value, String why) {
        return new RouteRequestException(Reason.BAD_VALUE, "bad value for " + key + " " + quote(value) + ": " + why);
    }

    private static RouteRequestException combination(String why) {
        return new RouteRequestException(Reason.INVALID_COMBINATION, why);
    }

    /**
     * Quotes client input for a message that goes back to the client and into logs: printable ASCII as is,
     * anything else escaped, long input cut, so a message can neither forge log lines nor grow unbounded.
     */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_SHOWN) + 8).append('\'');
        for (int i = 0; i < s.length() && i < MAX_SHOWN; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (s.length() > MAX_SHOWN) {
            b.append("...");
        }
        return b.append('\'').toString();
    }
}
