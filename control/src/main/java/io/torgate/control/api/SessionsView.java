package io.torgate.control.api;

import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import java.util.List;
import java.util.Optional;

/**
 * What the API needs from the sticky-session manager: list, look up, rotate (a new exit for the session) and
 * remove sessions, in the tor pool's own terms ({@link SessionInfo}, {@link Rotation}). Kept this small so the
 * API can be tested against a fake and wired to the router's session table ({@link RouterSessions}).
 * Implementations are called on API threads and may block briefly; they must be thread-safe.
 */
public interface SessionsView {

    /** Live sessions, in a stable order (user, then session id). */
    List<SessionInfo> list();

    Optional<SessionInfo> get(String user, String session);

    /**
     * Moves the session to a new exit (a new circuit). Empty when there is no such session.
     *
     * @throws IllegalStateException when the session cannot rotate now (e.g. no other exit is available); the
     *                               message says why and is shown to the API client
     */
    Optional<Rotation> rotate(String user, String session) throws InterruptedException;

    /** Forgets the session and closes its tunnels (its next connection starts a new one); false when there was none. */
    boolean remove(String user, String session);
}
