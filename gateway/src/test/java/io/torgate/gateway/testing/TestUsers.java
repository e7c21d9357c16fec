package io.torgate.gateway.testing;

import io.torgate.gateway.Authenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/** A fixed user table for tests. */
public final class TestUsers implements Authenticator {

    private final Map<String, String> passwords;

    private TestUsers(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords);
    }

    public static TestUsers of(String user, String password) {
        return new TestUsers(Map.of(user, password));
    }

    public static TestUsers of(Map<String, String> passwords) {
        return new TestUsers(passwords);
    }

    @Override
    public boolean usersConfigured() {
        return true;
    }

    @Override
    public boolean authenticate(String user, String password) {
        String expected = passwords.get(user);
        return expected != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                password.getBytes(StandardCharsets.UTF_8));
    }
}
