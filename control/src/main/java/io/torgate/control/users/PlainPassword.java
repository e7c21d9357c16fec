package io.torgate.control.users;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A password written in the clear in the configuration. Only its SHA-256 digest is kept, and a check compares
 * digests with {@link MessageDigest#isEqual} (fixed length, constant time), so neither the length nor the
 * content of the password leaks through timing.
 */
final class PlainPassword implements Password {

    private final byte[] digest;

    PlainPassword(String password) {
        this.digest = sha256(password);
    }

    @Override
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(digest, sha256(candidate));
    }

    @Override
    public boolean sameAs(Password other) {
        return other instanceof PlainPassword p && MessageDigest.isEqual(digest, p.digest);
    }

    @Override
    public String toString() {
        return "plain password";
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Pbkdf2.utf8(s));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
