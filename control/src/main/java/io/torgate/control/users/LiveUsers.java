package io.torgate.control.users;

import io.torgate.gateway.Authenticator;
import java.util.Objects;

/**
 * The gateway's authenticator across reloads: the gateway keeps this one object, a reload swaps the users
 * behind it in one step. A login in progress sees either the old or the new users, never a mix.
 */
public final class LiveUsers implements Authenticator {

    private volatile Users users;

    public LiveUsers(Users initial) {
        this.users = Objects.requireNonNull(initial, "initial");
    }

    public Users current() {
        return users;
    }

    public void update(Users next) {
        this.users = Objects.requireNonNull(next, "next");
    }

    @Override
    public boolean usersConfigured() {
        return users.usersConfigured();
    }

    @Override
    public boolean authenticate(String user, String password) {
        return users.authenticate(user, password);
    }

    @Override
    public boolean checkMayBeSlow(String user, String password) {
        return users.checkMayBeSlow(user, password);
    }

    @Override
    public String toString() {
        return "LiveUsers" + users.names();
    }
}
