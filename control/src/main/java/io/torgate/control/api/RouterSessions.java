package io.torgate.control.api;

import io.torgate.gateway.RoutingException;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import io.torgate.torpool.session.SessionNotFoundException;
import io.torgate.torpool.session.Sessions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The API's view of the tor pool router's sticky sessions ({@code TorPoolRouter#sessions()}). */
public final class RouterSessions implements SessionsView {

    /** A rotation may have to re-profile or start a tor instance; the API waits this long for it. */
    static final Duration ROTATE_WAIT = Duration.ofSeconds(90);

    private final Sessions sessions;

    public RouterSessions(Sessions sessions) {
        this.sessions = Objects.requireNonNull(sessions, "sessions");
    }

    @Override
    public List<SessionInfo> list() {
        return sessions.list();
    }

    @Override
    public Optional<SessionInfo> get(String user, String session) {
        return sessions.get(user, session);
    }

    @Override
    public Optional<Rotation> rotate(String user, String session) throws InterruptedException {
        Rotation r;
        try {
            r = sessions.rotate(user, session).get(ROTATE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof SessionNotFoundException) {
                return Optional.empty();
            }
            if (cause instanceof RoutingException re) {
                throw new IllegalStateException(re.detail() + " (" + re.reason() + ")");
            }
            if (cause instanceof UnsupportedOperationException) {
                throw new IllegalStateException(cause.getMessage() != null ? cause.getMessage()
                        : "this router cannot choose exits");
            }
            throw new IllegalStateException("the rotation failed: " + cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no tor instance was ready for a new exit within " + ROTATE_WAIT.toSeconds()
                    + " s; the rotation goes on in the background");
        }
        return Optional.of(r);
    }

    @Override
    public boolean remove(String user, String session) {
        return sessions.remove(user, session);
    }
}
