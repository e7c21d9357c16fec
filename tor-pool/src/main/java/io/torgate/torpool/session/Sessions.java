package io.torgate.torpool.session;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The live sticky sessions of one router, keyed by user and session id (the {@code session-ID} of the SOCKS
 * username). Thread-safe; no method blocks.
 */
public interface Sessions {

    /** Every session that has not expired, sorted by user then session id. */
    List<SessionInfo> list();

    /** One session, if it exists and has not expired. */
    Optional<SessionInfo> get(String user, String session);

    /**
     * Moves the session to a different exit of its group: its next connections use a new circuit through that
     * exit. When two or more eligible exits run, the new exit is guaranteed to differ from the one the session
     * used last (the session is pinned to it with a one-exit profile, and every connection's exit is checked
     * against tor's stream events).
     * <p>
     * The future completes once a tor instance is set up for the new exit. It fails with
     * {@link SessionNotFoundException} for an unknown session, with a {@code RoutingException} (reason
     * {@code no_other_exit}, {@code no_exit_running}, {@code no_instance_free}) when no different exit can be
     * given, or with {@link UnsupportedOperationException} when the router has no node directory to choose from.
     */
    CompletableFuture<Rotation> rotate(String user, String session);

    /**
     * Ends a session now: it is forgotten and its live tunnels are closed. The next connection with the same
     * user and session id starts a new session. Returns whether the session existed.
     */
    boolean remove(String user, String session);
}
