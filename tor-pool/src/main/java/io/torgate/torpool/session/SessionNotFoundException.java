package io.torgate.torpool.session;

/** No live session has this user and session id (never created, expired or removed). */
public final class SessionNotFoundException extends RuntimeException {

    private final String user;
    private final String session;

    public SessionNotFoundException(String user, String session) {
        super("no live session '" + session + "' for user '" + user + "'", null, false, false);
        this.user = user;
        this.session = session;
    }

    public String user() {
        return user;
    }

    public String session() {
        return session;
    }
}
