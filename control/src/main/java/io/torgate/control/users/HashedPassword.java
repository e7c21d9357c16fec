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
 * One PBKDF2 at the default cost takes a good fraction of a second. So after the first successful check this
 * password remembers a tag of the right password — an HMAC under a key that lives only in this process — and
 * the right password is from then on recognised by its tag alone, on the event loop. Any other candidate pays
 * the full PBKDF2 off the event loops ({@link #checkMayBeSlow(String)}): a wrong password costs the same for
 * every user (see {@link #decoy}). The hash protects the file at rest; the tag never leaves memory.
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

    /**
     * A hash nothing matches, at this cost: what an unknown user's login is checked against, so that a wrong
     * login costs one PBKDF2 whether or not the user exists (no user enumeration by timing).
     */
    static HashedPassword decoy(int iterations) {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[Pbkdf2.SALT_BYTES];
        byte[] hash = new byte[Pbkdf2.HASH_BYTES];
        random.nextBytes(salt);
        random.nextBytes(hash);
        return new HashedPassword(iterations, salt, hash);
    }

    /**
     * The right password, once verified, is recognised by its tag alone. Anything else pays the full PBKDF2, also
     * after the first success: a wrong password must cost the same for every user, known or not, verified or not.
     */
    @Override
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        byte[] tag = tag(candidate);
        byte[] known = verifiedTag;
        if (known != null && MessageDigest.isEqual(known, tag)) {
            return true;
        }
        boolean ok = MessageDigest.isEqual(hash, Pbkdf2.derive(candidate, salt, iterations, hash.length));
        if (ok) {
            verifiedTag = tag;
        }
        return ok;
    }

    /** Quick only for the right password once it has been verified; every other candidate costs a PBKDF2. */
    @Override
    public boolean checkMayBeSlow(String candidate) {
        byte[] known = verifiedTag;
        return known == null || candidate == null || !MessageDigest.isEqual(known, tag(candidate));
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
