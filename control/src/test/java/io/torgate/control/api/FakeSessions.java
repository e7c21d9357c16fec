package io.torgate.control.api;

import io.torgate.gateway.Mode;
import io.torgate.torpool.session.CircuitInfo;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An in-memory {@link SessionsView}: what the session endpoints are tested against without a tor pool. */
final class FakeSessions implements SessionsView {

    private final Map<String, SessionInfo> sessions = new TreeMap<>();
    private int rotations;
    volatile boolean refuseRotation;

    synchronized void put(String user, String session, String exitFingerprint) {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        sessions.put(user + "/" + session, new SessionInfo(user, session, Mode.STRICT, List.of("de"), List.of(),
                Optional.of(exitFingerprint), Optional.of("tor-0"),
                Optional.of(exit(exitFingerprint, Optional.of("exit0"), Optional.of("192.0.2.1"))),
                Optional.of(circuit(exitFingerprint, now)), now, now, Duration.ofMinutes(10), Optional.of(now.plusSeconds(600)), 1, 3, 0, 0, Optional.empty(),
                Optional.empty()));
    }

    private static CircuitInfo circuit(String exitFingerprint, Instant builtAt) {
        return new CircuitInfo("7", List.of(new CircuitInfo.Hop("A".repeat(40), "guard0"),
                new CircuitInfo.Hop("B".repeat(40), "middle0"), new CircuitInfo.Hop(exitFingerprint, "exit0")),
                builtAt, Duration.ofMillis(120));
    }

    private static ExitInfo exit(String fingerprint, Optional<String> nickname, Optional<String> address) {
        return new ExitInfo(fingerprint, nickname, address, Optional.of("de"), Optional.empty(), List.of());
    }

    @Override
    public synchronized List<SessionInfo> list() {
        return List.copyOf(sessions.values());
    }

    @Override
    public synchronized Optional<SessionInfo> get(String user, String session) {
        return Optional.ofNullable(sessions.get(user + "/" + session));
    }

    @Override
    public synchronized Optional<Rotation> rotate(String user, String session) {
        SessionInfo s = sessions.get(user + "/" + session);
        if (s == null) {
            return Optional.empty();
        }
        if (refuseRotation) {
            throw new IllegalStateException("no other exit in [de] is running");
        }
        rotations++;
        ExitInfo next = exit(String.format("%040X", rotations), Optional.of("exit" + rotations), Optional.empty());
        SessionInfo moved = new SessionInfo(s.user(), s.session(), s.mode(), s.countries(), s.excluded(),
                Optional.of(next.fingerprint()), s.instance(), Optional.of(next),
                Optional.of(circuit(next.fingerprint(), s.lastUsed())), s.created(), s.lastUsed(), s.ttl(),
                s.expiresAt(), 0, s.connections(), s.rotations() + 1, s.exitChanges() + 1, Optional.of("rotation"),
                Optional.empty());
        sessions.put(user + "/" + session, moved);
        return Optional.of(new Rotation(user, session, s.exit(), next, Duration.ofMillis(1500)));
    }

    @Override
    public synchronized boolean remove(String user, String session) {
        return sessions.remove(user + "/" + session) != null;
    }
}
