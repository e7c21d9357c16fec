package io.torgate.control.users;

import io.torgate.gateway.Authenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The configured users and their passwords, as the gateway's {@link Authenticator}.
 * <p>
 * Only SHA-256 digests of the passwords are kept, and a check compares digests with
 * {@link MessageDigest#isEqual} — fixed length, constant time — so neither the password's length nor its
 * content leaks through timing. An unknown user costs the same as a wrong password.
 */
public final class Users implements Authenticator {

    /** Compared against when the user is unknown; random, so no password can match it. */
    private static final byte[] NO_SUCH_USER = new SecureRandom().generateSeed(32);

    private final Map<String, byte[]> passwordDigests;

    private Users(Map<String, byte[]> passwordDigests) {
        this.passwordDigests = passwordDigests;
    }

    /** Builds from user → password; callers validate names and passwords first (see {@link UsersFile}). */
    static Users of(Map<String, String> passwords) {
        Map<String, byte[]> digests = new LinkedHashMap<>();
        passwords.forEach((user, password) -> digests.put(user, sha256(Objects.requireNonNull(password))));
        return new Users(Map.copyOf(digests));
    }

    /** The user names, for start-up logs (never the passwords). */
    public Set<String> names() {
        return passwordDigests.keySet();
    }

    @Override
    public boolean usersConfigured() {
        return !passwordDigests.isEmpty();
    }

    @Override
    public boolean authenticate(String user, String password) {
        if (user == null || password == null) {
            return false;
        }
        byte[] expected = passwordDigests.get(user);
        boolean known = expected != null;
        boolean matches = MessageDigest.isEqual(known ? expected : NO_SUCH_USER, sha256(password));
        return known & matches;
    }

    @Override
    public String toString() {
        return "Users" + names();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
