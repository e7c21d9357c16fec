package io.torgate.control.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the API needs from the sticky-session manager: list, look up, rotate (a new exit for the session) and
 * remove sessions. Kept this small so the routing layer can implement it over its own session table.
 * Implementations are called on API threads and may block briefly; they must be thread-safe.
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
    Optional<Rotation> rotate(String user, String session);

    /** Forgets the session (its next connection starts a new one); false when there was none. */
    boolean remove(String user, String session);

    /** An exit relay as far as torgate knows it. */
    record Exit(String fingerprint, Optional<String> nickname, Optional<String> country) {
        public Exit {
            Objects.requireNonNull(fingerprint, "fingerprint");
            Objects.requireNonNull(nickname, "nickname");
            Objects.requireNonNull(country, "country");
        }
    }

    /**
     * One sticky session.
     *
     * @param mode        strict or flexible
     * @param countries   the countries it may exit in (empty = any)
     * @param instance    the tor instance it is bound to, if bound
     * @param exit        the exit it uses, once known
     * @param liveTunnels its tunnels open now
     */
    record Session(String user, String session, String mode, List<String> countries, Optional<String> instance,
                   Optional<Exit> exit, Instant createdAt, Instant lastUsedAt, Instant expiresAt, int liveTunnels) {
        public Session {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(mode, "mode");
            countries = List.copyOf(countries);
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(exit, "exit");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(lastUsedAt, "lastUsedAt");
            Objects.requireNonNull(expiresAt, "expiresAt");
        }
    }

    /** A rotation: the exit before and after (after may be unknown until the next connection builds a circuit). */
    record Rotation(Session session, Optional<Exit> oldExit, Optional<Exit> newExit) {
        public Rotation {
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(oldExit, "oldExit");
            Objects.requireNonNull(newExit, "newExit");
        }
    }
}
