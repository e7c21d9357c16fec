package io.torgate.control.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every configured user's {@link UserPolicy}. Immutable; a reload makes a new one. With no users configured
 * (no login, loopback only), the user part of a username is only a label and everyone is unrestricted.
 */
public final class Policies {

    public static final Policies NONE = new Policies(Map.of());

    private final Map<String, UserPolicy> byUser;

    private Policies(Map<String, UserPolicy> byUser) {
        this.byUser = byUser;
    }

    public static Policies of(Map<String, UserPolicy> byUser) {
        return byUser.isEmpty() ? NONE : new Policies(Collections.unmodifiableMap(new LinkedHashMap<>(byUser)));
    }

    /**
     * The user's policy; empty when users are configured and this one is not (it may have been removed by a
     * reload after it logged in).
     */
    public Optional<UserPolicy> forUser(String user) {
        if (byUser.isEmpty()) {
            return Optional.of(UserPolicy.UNRESTRICTED);
        }
        return Optional.ofNullable(byUser.get(user));
    }

    public Map<String, UserPolicy> byUser() {
        return byUser;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Policies p && p.byUser.equals(byUser);
    }

    @Override
    public int hashCode() {
        return byUser.hashCode();
    }

    @Override
    public String toString() {
        return "Policies" + byUser;
    }
}
