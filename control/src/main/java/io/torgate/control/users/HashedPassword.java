package io.torgate.control.users;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A PBKDF2-HMAC-SHA256 hash from the configuration.
 * <p>
 * Logins are checked on the gateway's event loops, and one PBKDF2 at the default cost takes a good fraction
 * of a second. So after the first successful check this password remembers a tag of the right password —
 * an HMAC under a key that lives only in this process — and later candidates are judged by their tag alone:
 * one HMAC, whether right or wrong. The hash protects the file at rest; the tag never leaves memory. Until
 * the first success every check pays the full PBKDF2, which is why {@link #checkMayBeSlow()} tells the gateway to
 * run such checks off its event loops (see README: the cost of wrong passwords).
 */
final class HashedPassword implements Password {

    /** One key per process: tags are meaningless outside it. */
    private static final byte[] TAG_KEY = new SecureRandom().generateSeed(32);

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;
    /** The tag of the password once a candidate has been verified against the hash; null before. */
    private volatile byte[] verifiedTag;

    HashedPassword(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt.clone();
        this.hash = hash.clone();
    }

    @Override
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        byte[] tag = tag(candidate);
        byte[] known = verifiedTag;
        if (known != null) {
            return MessageDigest.isEqual(known, tag);
        }
        boolean ok = MessageDigest.isEqual(hash, Pbkdf2.derive(candidate, salt, iterations, hash.length));
        if (ok) {
            verifiedTag = tag;
        }
        return ok;
    }

    @Override
    public boolean checkMayBeSlow() {
        return verifiedTag == null;
    }

    @Override
    public boolean sameAs(Password other) {
        return other instanceof HashedPassword h && iterations == h.iterations
                && MessageDigest.isEqual(salt, h.salt) && MessageDigest.isEqual(hash, h.hash);
    }

    int iterations() {
        return iterations;
    }

    @Override
    public String toString() {
        return "pbkdf2-sha256 hash (" + iterations + " iterations)";
    }

    private static byte[] tag(String candidate) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(TAG_KEY, "HmacSHA256"));
            return mac.doFinal(Pbkdf2.utf8(candidate));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every Java platform has HmacSHA256", e);
        }
    }
}
