package io.torgate.control.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in API input, written like the CLI's: {@code 0s}, {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
final class Durations {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /** A duration of zero or more, at most {@code max}; 400 naming the field and value otherwise. */
    static Duration parse(String field, String value, Duration max) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw ApiException.badRequest("bad_value", "'" + field + "' is '" + value
                    + "', not a duration; use a whole number and a unit, e.g. 0s, 500ms, 30s, 5m");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(max) > 0) {
            throw ApiException.badRequest("bad_value", "'" + field + "' is '" + value + "', more than the maximum of "
                    + max.toSeconds() + "s");
        }
        return d;
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
