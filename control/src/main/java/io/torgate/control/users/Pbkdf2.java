package io.torgate.control.users;

import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * PBKDF2-HMAC-SHA256 password hashes written as {@code pbkdf2-sha256$ITER$SALT_B64$HASH_B64} (standard Base64,
 * padding optional). The format names its algorithm and cost, so a stronger setting later can live next to
 * older hashes.
 */
public final class Pbkdf2 {

    public static final String PREFIX = "pbkdf2-sha256$";
    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
    public static final int DEFAULT_ITERATIONS = 600_000;
    /** Below this a hash is too cheap to protect anything; tests use it to stay fast. */
    public static final int MIN_ITERATIONS = 1_000;
    /** Above this one login check would stall an event loop for seconds: surely a typo. */
    public static final int MAX_ITERATIONS = 10_000_000;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    private static final int MIN_SALT_BYTES = 8;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Pbkdf2() {
    }

    /** A new hash of {@code password} with a random salt, in the text format. */
    public static String hash(String password, int iterations) {
        checkIterations(iterations);
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return format(iterations, salt, derive(password, salt, iterations, HASH_BYTES));
    }

    static String format(int iterations, byte[] salt, byte[] hash) {
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** Is this text meant as a hash (rather than a plain password)? */
    public static boolean looksLikeHash(String text) {
        return text.startsWith(PREFIX);
    }

    /**
     * Parses the text format.
     *
     * @throws IllegalArgumentException saying which part is wrong, never quoting the text (it may be a secret)
     */
    static Parsed parse(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        if (!looksLikeHash(encoded)) {
            throw new IllegalArgumentException("a hash starts with " + PREFIX);
        }
        String[] parts = encoded.substring(PREFIX.length()).split("\\$", -1);
        String shape = "expected " + PREFIX + "ITERATIONS$SALT_BASE64$HASH_BASE64 (see torgate hash-password)";
        if (parts.length != 3) {
            throw new IllegalArgumentException("a pbkdf2-sha256 hash has 4 parts separated by '$'; " + shape);
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the iteration count of the pbkdf2-sha256 hash is not a whole number; "
                    + shape);
        }
        checkIterations(iterations);
        byte[] salt = base64(parts[1], "salt");
        byte[] hash = base64(parts[2], "hash");
        if (salt.length < MIN_SALT_BYTES) {
            throw new IllegalArgumentException("the salt of the pbkdf2-sha256 hash is " + salt.length
                    + " bytes; at least " + MIN_SALT_BYTES + " are needed");
        }
        if (hash.length != HASH_BYTES) {
            throw new IllegalArgumentException("the hash part of the pbkdf2-sha256 hash is " + hash.length
                    + " bytes; SHA-256 gives " + HASH_BYTES);
        }
        return new Parsed(iterations, salt, hash);
    }

    /** The parts of a hash. */
    record Parsed(int iterations, byte[] salt, byte[] hash) {
    }

    /** PBKDF2-HMAC-SHA256 of the UTF-8 bytes of {@code password} (RFC 8018 §5.2). */
    static byte[] derive(String password, byte[] salt, int iterations, int bytes) {
        char[] chars = password.toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, bytes * 8);
        try {
            // The JDK's PBKDF2 turns the chars into UTF-8, the same bytes every other implementation hashes.
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every Java 17 platform", e);
        } finally {
            spec.clearPassword();
            java.util.Arrays.fill(chars, '\0');
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException when the count is outside {@link #MIN_ITERATIONS}..{@link #MAX_ITERATIONS} */
    public static void checkIterations(int iterations) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("the iteration count must be between " + MIN_ITERATIONS + " and "
                    + MAX_ITERATIONS + ", got " + iterations);
        }
    }

    private static byte[] base64(String part, String what) {
        if (part.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " of the pbkdf2-sha256 hash is empty");
        }
        try {
            return Base64.getDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + what + " of the pbkdf2-sha256 hash is not valid Base64");
        }
    }
}
