package io.torgate.control.policy;

import java.time.Duration;

/**
 * Counts each user's live sticky sessions for {@code max_sessions}. {@link SessionTable} is the default; the
 * pool's session manager can implement this instead once it knows sessions itself, so the policy and the
 * router agree on what is live. Called on event loops: must not block.
 */
public interface SessionCounter {

    /**
     * One connection wants this session. Admitted (and counted as a use until {@link #release}) when the session
     * is live already, or when the user has fewer than {@code maxSessions} live sessions (0 = unlimited);
     * otherwise false, and nothing is recorded.
     *
     * @param ttl how long the session lives after its last use
     */
    boolean tryUse(String user, String session, Duration ttl, int maxSessions);

    /** That connection ended (or never became a tunnel); the session's ttl runs from its last release. */
    void release(String user, String session);

    /** Sessions of the user live now: in use, or released less than their ttl ago. */
    int liveSessions(String user);
}
