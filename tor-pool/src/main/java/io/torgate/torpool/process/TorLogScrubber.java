package io.torgate.torpool.process;

import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes destinations out of tor's own words (its log lines, control-port replies, event lines) before torgate
 * repeats them in a log line or an error message. A tor that carried client traffic may name what it carried:
 * {@code Your application (using socks5 to port 443) is giving Tor only an IP address}, a hostname it could not
 * resolve, an address it refused. Addresses (IPv4, IPv6, with or without a port), hostnames and {@code .onion}
 * names, and "port N" become {@value #PLACEHOLDER} (tor's own SafeLogging placeholder), the rest of the line
 * stays, so the message still says what went wrong.
 * <p>
 * Deliberately broad: a hostname-shaped word such as {@code state.tmp} is scrubbed too, since telling a file
 * name from a destination name is guesswork, and a scrubbed file name costs less than a leaked destination.
 * Words after a {@code /} (paths, URLs) are left alone. Off ({@link #KEEP}) when the operator asked for
 * destinations in logs ({@code logging.log_destinations}, the same switch the gateway's own log lines follow).
 * Pure and thread-safe.
 */
public final class TorLogScrubber {

    public static final String PLACEHOLDER = "[scrubbed]";

    /** Scrubs: destinations stay out of logs (the default). */
    public static final TorLogScrubber SCRUB = new TorLogScrubber(true);
    /** Leaves tor's words as they are: the operator asked for destinations in logs. */
    public static final TorLogScrubber KEEP = new TorLogScrubber(false);

    private static final String PORT = "(?::\\d{1,5})?";
    /** Not the middle of a longer word, dotted name or path (a word after {@code /} is a path or URL). */
    private static final String START = "(?<![\\w.\\-/])";
    /** The same, and not the middle of a longer colon-separated run. */
    private static final String START_V6 = "(?<![\\w.\\-/:\\[])";

    /** {@code [2001:db8::1]} or {@code [::1]:443}: the brackets say it is an address. */
    private static final Pattern BRACKETED_IPV6 = Pattern.compile("\\[[0-9a-f.]*:[0-9a-f:.]*\\]" + PORT,
            Pattern.CASE_INSENSITIVE);
    /** Candidates only: {@link #isIpv6} rejects what is merely colon-separated, e.g. a time of day 12:34:56. */
    private static final Pattern IPV6 = Pattern.compile(START_V6
            + "(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|\\d{1,3}(?:\\.\\d{1,3}){3})?(?![\\w:]|\\.\\w)",
            Pattern.CASE_INSENSITIVE);
    /** Not tor's version in its first line ("Tor 0.4.8.10 running on Linux"). */
    private static final Pattern IPV4 = Pattern.compile(START + "(?<!Tor )(?<!version )"
            + "\\d{1,3}(?:\\.\\d{1,3}){3}" + PORT + "(?![\\w]|\\.\\w)", Pattern.CASE_INSENSITIVE);
    /** Dotted names, .onion included; the last label has two or more characters and starts with a letter. */
    private static final Pattern HOSTNAME = Pattern.compile(START
            + "(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]" + PORT + "(?![\\w-]|\\.\\w)",
            Pattern.CASE_INSENSITIVE);
    /** A single-label name with a port, e.g. {@code localhost:8080}. */
    private static final Pattern NAME_WITH_PORT = Pattern.compile(START + "[a-z][a-z0-9-]*:\\d{1,5}(?!\\w)",
            Pattern.CASE_INSENSITIVE);
    /** "port 443", "to port 22001", "ports 80": the number alone names the destination's service. */
    private static final Pattern PORT_WORD = Pattern.compile("\\b(ports?)\\s+\\d{1,5}\\b", Pattern.CASE_INSENSITIVE);
    /** Tor's SafeLogging writes "[scrubbed]:443"; the port goes too. */
    private static final Pattern PLACEHOLDER_PORT = Pattern.compile(Pattern.quote(PLACEHOLDER) + ":\\d{1,5}(?!\\w)");

    private final boolean scrub;

    private TorLogScrubber(boolean scrub) {
        this.scrub = scrub;
    }

    /** {@link #KEEP} when destinations may be logged, else {@link #SCRUB}. */
    public static TorLogScrubber forLogDestinations(boolean logDestinations) {
        return logDestinations ? KEEP : SCRUB;
    }

    /** Tor's text with every destination replaced by {@value #PLACEHOLDER}; null stays null. */
    public String scrub(String torText) {
        if (!scrub || torText == null || torText.isEmpty()) {
            return torText;
        }
        String s = replace(BRACKETED_IPV6, torText, m -> true);
        s = replace(IPV6, s, TorLogScrubber::isIpv6);
        s = replace(IPV4, s, m -> true);
        s = replace(HOSTNAME, s, m -> true);
        s = replace(NAME_WITH_PORT, s, m -> true);
        s = PORT_WORD.matcher(s).replaceAll("$1 " + Matcher.quoteReplacement(PLACEHOLDER));
        return PLACEHOLDER_PORT.matcher(s).replaceAll(Matcher.quoteReplacement(PLACEHOLDER));
    }

    /** Whether tor's words are scrubbed ({@code false}: {@code logging.log_destinations} is on). */
    public boolean scrubs() {
        return scrub;
    }

    /** A full eight-group address, or a compressed one ({@code ::}) with at least one hex digit. */
    private static boolean isIpv6(Matcher m) {
        String a = m.group();
        long colons = a.chars().filter(c -> c == ':').count();
        boolean hasDigit = a.chars().anyMatch(c -> Character.digit(c, 16) >= 0);
        return hasDigit && (a.contains("::") || colons == 7);
    }

    private static String replace(Pattern p, String s, Predicate<Matcher> accept) {
        Matcher m = p.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        boolean any = false;
        while (m.find()) {
            if (accept.test(m)) {
                m.appendReplacement(out, Matcher.quoteReplacement(PLACEHOLDER));
                any = true;
            }
        }
        if (!any) {
            return s;
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public String toString() {
        return scrub ? "TorLogScrubber[scrub]" : "TorLogScrubber[keep]";
    }
}
