package io.torgate.torpool.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One relay in a circuit path, as tor writes it in CIRC events and {@code circuit-status}:
 * {@code $FINGERPRINT~nickname} (current), {@code $FINGERPRINT=nickname} (old), {@code $FINGERPRINT} or a
 * bare nickname.
 *
 * @param fingerprint 40 uppercase hex digits, or empty when tor gave only a nickname
 * @param nickname    the relay's nickname, or empty when tor gave only a fingerprint
 */
public record Hop(String fingerprint, String nickname) {

    public Hop {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(nickname, "nickname");
    }

    static Hop parse(String token) {
        String t = token.strip();
        if (!t.startsWith("$")) {
            return new Hop("", t);
        }
        int sep = indexOfAny(t, '~', '=');
        String fp = (sep < 0 ? t.substring(1) : t.substring(1, sep)).toUpperCase(Locale.ROOT);
        String nick = sep < 0 ? "" : t.substring(sep + 1);
        return new Hop(fp, nick);
    }

    /** A comma-separated path; empty input gives an empty list. */
    static List<Hop> parsePath(String path) {
        List<Hop> hops = new ArrayList<>();
        for (String part : path.split(",")) {
            if (!part.isBlank()) {
                hops.add(parse(part));
            }
        }
        return List.copyOf(hops);
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        if (fingerprint.isEmpty()) {
            return nickname;
        }
        return nickname.isEmpty() ? "$" + fingerprint : "$" + fingerprint + "~" + nickname;
    }
}
