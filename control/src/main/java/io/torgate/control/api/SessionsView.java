package io.torgate.control.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the API needs from the sticky-session manager: list, look up, rotate (a new exit for the session) and
 * remove sessions. Kept this small so the API can be tested against a fake and wired to the router's session
 * table ({@link RouterSessions}). Implementations are called on API threads and may block briefly; they must be
 * thread-safe.
 */
public interface SessionsView {

    /** Live sessions, in a stable order (user, then session id). */
    List<Session> list();

    Optional<Session> get(String user, String session);

    /**
     * Moves the session to a new exit (a new circuit). Empty when there is no such session.
     *
     * @throws IllegalStateException when the session cannot rotate now (e.g. no other exit is available); the
     *                               message says why and is shown to the API client
     */
    Optional<Rotation> rotate(String user, String session) throws InterruptedException;

    /** Forgets the session and closes its tunnels (its next connection starts a new one); false when there was none. */
    boolean remove(String user, String session);

    /** An exit relay as far as torgate knows it. */
    record Exit(String fingerprint, Optional<String> nickname, Optional<String> address, Optional<String> country) {
        public Exit {
            Objects.requireNonNull(fingerprint, "fingerprint");
            Objects.requireNonNull(nickname, "nickname");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(country, "country");
        }
    }

    /**
     * One sticky session.
     *
     * @param mode           strict or flexible
     * @param countries      the countries it may exit in (empty = any)
     * @param excluded       the countries it must not exit in
     * @param pinnedExit     the exit fingerprint it is held to, if any
     * @param instance       the tor instance it is bound to, if bound
     * @param exit           the exit its latest connection used, once known
     * @param expiresAt      when it expires unless used again; empty while it has live tunnels
     * @param lastExitChange why its exit last changed, if it did
     * @param problem        why it fails right now, if it does
     */
    record Session(String user, String session, String mode, List<String> countries, List<String> excluded,
                   Optional<String> pinnedExit, Optional<String> instance, Optional<Exit> exit, Instant createdAt,
                   Instant lastUsedAt, Duration ttl, Optional<Instant> expiresAt, int liveTunnels, long connections,
                   int rotations, int exitChanges, Optional<String> lastExitChange, Optional<String> problem) {
        public Session {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(mode, "mode");
            countries = List.copyOf(countries);
            excluded = List.copyOf(excluded);
            Objects.requireNonNull(pinnedExit, "pinnedExit");
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(exit, "exit");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(lastUsedAt, "lastUsedAt");
            Objects.requireNonNull(ttl, "ttl");
            Objects.requireNonNull(expiresAt, "expiresAt");
            Objects.requireNonNull(lastExitChange, "lastExitChange");
            Objects.requireNonNull(problem, "problem");
        }
    }

    /** A rotation: the exit before (if any) and the exit the session's next connections use. */
    record Rotation(String user, String session, Optional<Exit> oldExit, Exit newExit, Duration took) {
        public Rotation {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(oldExit, "oldExit");
            Objects.requireNonNull(newExit, "newExit");
            Objects.requireNonNull(took, "took");
        }
    }
}
