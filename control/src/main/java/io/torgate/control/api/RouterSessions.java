package io.torgate.control.api;

import io.torgate.gateway.RoutingException;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.SessionInfo;
import io.torgate.torpool.session.SessionNotFoundException;
import io.torgate.torpool.session.Sessions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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
    public List<Session> list() {
        return sessions.list().stream().map(RouterSessions::session).toList();
    }

    @Override
    public Optional<Session> get(String user, String session) {
        return sessions.get(user, session).map(RouterSessions::session);
    }

    @Override
    public Optional<Rotation> rotate(String user, String session) throws InterruptedException {
        io.torgate.torpool.session.Rotation r;
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
        return Optional.of(new Rotation(r.user(), r.session(), r.oldExit().map(RouterSessions::exit), exit(r.newExit()),
                r.took()));
    }

    @Override
    public boolean remove(String user, String session) {
        return sessions.remove(user, session);
    }

    static Session session(SessionInfo s) {
        return new Session(s.user(), s.session(), s.mode().name().toLowerCase(Locale.ROOT), s.countries(), s.excluded(),
                s.pinnedExit(), s.instance(), s.exit().map(RouterSessions::exit), s.created(), s.lastUsed(), s.ttl(),
                s.expiresAt(), s.liveTunnels(), s.connections(), s.rotations(), s.exitChanges(), s.lastExitChange(),
                s.problem());
    }

    static Exit exit(ExitInfo e) {
        return new Exit(e.fingerprint(), e.nickname(), e.address(), e.country());
    }
}
