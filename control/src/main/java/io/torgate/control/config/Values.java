package io.torgate.control.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text → value for every setting, shared by the config file, the environment and the command line so each is
 * written one way everywhere. Each parser throws {@link IllegalArgumentException} naming the value and what is
 * accepted; callers add where the value came from.
 */
public final class Values {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
    private static final Set<String> ISO_COUNTRIES = Set.of(Locale.getISOCountries());

    private Values() {
    }

    /** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}; more than zero. */
    public static Duration duration(String value) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a duration; use a whole number and a unit,"
                    + " e.g. 500ms, 10s, 5m, 2h");
        }
        long n = Long.parseLong(m.group(1));
        if (n == 0) {
            throw new IllegalArgumentException("'" + value + "' must be more than zero");
        }
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The inverse of {@link #duration}: the largest whole unit, e.g. 300 s is {@code 5m}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** A whole number of 0 or more. */
    public static int count(String value) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a whole number");
        }
        return nonNegative(value, n);
    }

    static int nonNegative(String shown, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("'" + shown + "' must be 0 or more");
        }
        return n;
    }

    static int positive(String shown, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("'" + shown + "' must be 1 or more");
        }
        return n;
    }

    /** {@code true} or {@code false} (environment variables also accept 1/0, yes/no). */
    static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
        };
    }

    /** {@code HOST:PORT} or {@code [IPv6]:PORT}; port 0 asks the system for a free port. */
    public static InetSocketAddress listenAddress(String value) {
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                throw notHostPort(value);
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
        } else {
            int colon = value.lastIndexOf(':');
            if (colon < 0 || value.indexOf(':') != colon) {
                throw notHostPort(value);
            }
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw notHostPort(value);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' has port '" + port + "', not a number");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("'" + value + "' has port " + p + ", outside 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + value + "' names an unknown host '" + host + "'");
        }
    }

    private static IllegalArgumentException notHostPort(String value) {
        return new IllegalArgumentException("'" + value + "' is not HOST:PORT (e.g. 127.0.0.1:1080, [::1]:1080)");
    }

    /** An http or https URL with a host, no query or fragment. */
    static URI httpUrl(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("'" + value + "' is not a URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("'" + value + "' is not an http or https URL");
        }
        if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + value + "' needs a host and no query or fragment");
        }
        return uri;
    }

    /** A lowercase ISO 3166-1 alpha-2 code, from any case. */
    static String country(String value) {
        if (value.length() != 2 || !ISO_COUNTRIES.contains(value.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("'" + value + "' is not an ISO 3166-1 alpha-2 country code");
        }
        return value.toLowerCase(Locale.ROOT);
    }
}
