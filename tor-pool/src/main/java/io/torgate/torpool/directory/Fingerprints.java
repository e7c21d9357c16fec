package io.torgate.torpool.directory;

import java.util.Locale;

/** Relay fingerprints: 40 hex digits (the SHA-1 of the RSA identity key), kept in upper case as Onionoo writes them. */
final class Fingerprints {

    private Fingerprints() {
    }

    /** True for exactly 40 ASCII hex digits in either case (no "$" prefix, no spaces). */
    static boolean isValid(String s) {
        if (s == null || s.length() != 40) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex) {
                return false;
            }
        }
        return true;
    }

    /** The canonical (upper-case) form; throws naming the value when it is not a fingerprint. */
    static String canonical(String s) {
        if (!isValid(s)) {
            throw new IllegalArgumentException("not a relay fingerprint (40 hex digits): '" + s + "'");
        }
        return s.toUpperCase(Locale.ROOT);
    }
}
