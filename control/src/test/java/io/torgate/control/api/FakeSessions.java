package io.torgate.control.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An in-memory {@link SessionsView}: what the session endpoints are tested against until routing wires the real one. */
final class FakeSessions implements SessionsView {

    private final Map<String, Session> sessions = new TreeMap<>();
    private int rotations;
    volatile boolean refuseRotation;

    synchronized void put(String user, String session, String exitFingerprint) {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        sessions.put(user + "/" + session, new Session(user, session, "strict", List.of("de"), List.of(),
                Optional.of(exitFingerprint), Optional.of("tor-0"),
                Optional.of(new Exit(exitFingerprint, Optional.of("exit0"), Optional.of("192.0.2.1"), Optional.of("de"))),
                now, now, Duration.ofMinutes(10), Optional.of(now.plusSeconds(600)), 1, 3, 0, 0, Optional.empty(),
                Optional.empty()));
    }

    @Override
    public synchronized List<Session> list() {
        return List.copyOf(sessions.values());
    }

    @Override
    public synchronized Optional<Session> get(String user, String session) {
        return Optional.ofNullable(sessions.get(user + "/" + session));
    }

    @Override
    public synchronized Optional<Rotation> rotate(String user, String session) {
        Session s = sessions.get(user + "/" + session);
        if (s == null) {
            return Optional.empty();
        }
        if (refuseRotation) {
            throw new IllegalStateException("no other exit in [de] is running");
        }
        rotations++;
        Exit next = new Exit(String.format("%040X", rotations), Optional.of("exit" + rotations), Optional.empty(),
                Optional.of("de"));
        Session moved = new Session(s.user(), s.session(), s.mode(), s.countries(), s.excluded(),
                Optional.of(next.fingerprint()), s.instance(), Optional.of(next), s.createdAt(), s.lastUsedAt(), s.ttl(),
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
