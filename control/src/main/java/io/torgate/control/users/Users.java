package io.torgate.control.users;

import io.torgate.gateway.Authenticator;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The configured users and their passwords, as the gateway's {@link Authenticator}. Immutable; a reload makes a
 * new one (see {@link LiveUsers}).
 * <p>
 * An unknown user is checked against a decoy that costs what a wrong password of a known user costs: a PBKDF2 at
 * the highest cost among the configured hashes when there are any, else a plain comparison. So the answer time
 * does not tell which users exist (with mixed plain and hashed users, it tells a plain user apart).
 */
public final class Users implements Authenticator {

    /** No users: any password, no login asked (loopback listeners only). */
    public static final Users NONE = new Users(Map.of());

    private final Map<String, Password> passwords;
    /** Checked when the user is unknown; random, so nothing matches it. */
    private final Password noSuchUser;

    private Users(Map<String, Password> passwords) {
        this.passwords = passwords;
        java.util.OptionalInt hashCost = passwords.values().stream()
                .filter(HashedPassword.class::isInstance).mapToInt(p -> ((HashedPassword) p).iterations()).max();
        this.noSuchUser = hashCost.isPresent() ? HashedPassword.decoy(hashCost.getAsInt())
                : new PlainPassword(Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(24)));
    }

    /** From user → password, in the given order; names are checked by the caller (the config parser). */
    public static Users of(Map<String, Password> passwords) {
        return passwords.isEmpty() ? NONE : new Users(Collections.unmodifiableMap(new LinkedHashMap<>(passwords)));
    }

    /** The user names (never the passwords). */
    public Set<String> names() {
        return passwords.keySet();
    }

    /** The password of a user, for reload reports; empty for unknown users. */
    public java.util.Optional<Password> password(String user) {
        return java.util.Optional.ofNullable(passwords.get(user));
    }

    @Override
    public boolean usersConfigured() {
        return !passwords.isEmpty();
    }

    @Override
    public boolean authenticate(String user, String password) {
        if (user == null || password == null) {
            return false;
        }
        Password expected = passwords.get(user);
        boolean known = expected != null;
        boolean matches = (known ? expected : noSuchUser).matches(password);
        return known & matches;
    }

    @Override
    public boolean checkMayBeSlow(String user, String password) {
        Password p = user == null ? null : passwords.get(user);
        return (p != null ? p : noSuchUser).checkMayBeSlow(password);
    }

    /** What unknown users are checked against (for tests). */
    Password decoy() {
        return noSuchUser;
    }

    @Override
    public String toString() {
        return "Users" + names();
    }
}
