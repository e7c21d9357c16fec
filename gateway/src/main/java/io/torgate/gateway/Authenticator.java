package io.torgate.gateway;

/**
 * Checks a user's password. The user is the account part of the username, after the routing options have
 * been parsed off. Implementations must not log the password and should compare in constant time.
 */
public interface Authenticator {

    /** No users configured: any password is accepted and the user part is only a label. */
    Authenticator NONE = new Authenticator() {
        @Override
        public boolean usersConfigured() {
            return false;
        }

        @Override
        public boolean authenticate(String user, String password) {
            return true;
        }
    };

    /** When false, NO AUTH is offered (loopback only) and any password is accepted. */
    boolean usersConfigured();

    boolean authenticate(String user, String password);

    /**
     * Whether checking this login may take long (e.g. a password hash: a PBKDF2 of a good fraction of a second for
     * anything but the right password once verified). The front door then checks it on a small bounded pool of its
     * own instead of an event loop, so wrong passwords sent in a flood cannot stall the tunnels. Must be quick.
     */
    default boolean checkMayBeSlow(String user, String password) {
        return false;
    }

    /**
     * What the front door asks: with no users configured every password is accepted (the user part is only a
     * label), whatever {@link #authenticate} of an empty, reloadable user set would say; otherwise the password
     * must match.
     */
    default boolean accepts(String user, String password) {
        return !usersConfigured() || authenticate(user, password);
    }
}
