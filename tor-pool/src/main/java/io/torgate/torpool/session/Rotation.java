package io.torgate.torpool.session;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link Sessions#rotate}: the exit the session used before (empty if it never connected and
 * was not pinned) and the exit its next connections use.
 *
 * @param took time from the request until a tor instance was ready for the new exit
 */
public record Rotation(String user, String session, Optional<ExitInfo> oldExit, ExitInfo newExit, Duration took) {

    public Rotation {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(oldExit, "oldExit");
        Objects.requireNonNull(newExit, "newExit");
        Objects.requireNonNull(took, "took");
    }
}
