package io.torgate.control.users;

/**
 * A user's configured password: plain text (for development) or a PBKDF2 hash (see {@link Pbkdf2}).
 * Checks run in constant time with respect to the candidate. {@code toString()} never shows the secret.
 */
public sealed interface Password permits PlainPassword, HashedPassword {

    /** RFC 1929 carries at most 255 bytes of password. */
    int MAX_BYTES = 255;

    /**
     * Reads a configured password: {@code pbkdf2-sha256$…} is a hash, anything else is the password itself.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the value
     */
    static Password parse(String configured) {
        if (configured.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (Pbkdf2.looksLikeHash(configured)) {
            Pbkdf2.Parsed p = Pbkdf2.parse(configured);
            return new HashedPassword(p.iterations(), p.salt(), p.hash());
        }
        if (Pbkdf2.utf8(configured).length > MAX_BYTES) {
            throw new IllegalArgumentException("longer than " + MAX_BYTES + " bytes, the SOCKS5 limit");
        }
        return new PlainPassword(configured);
    }

    /** Does the candidate match? False for null. */
    boolean matches(String candidate);

    /** Whether {@link #matches} of this candidate may take long (a hash, unless it is the verified password). */
    default boolean checkMayBeSlow(String candidate) {
        return false;
    }

    /** Same secret (for reload reports: "password changed"), compared without revealing it. */
    boolean sameAs(Password other);
}
