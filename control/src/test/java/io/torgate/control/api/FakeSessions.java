package io.torgate.control.api;

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
        sessions.put(user + "/" + session, new Session(user, session, "strict", List.of("de"), Optional.of("tor-0"),
                Optional.of(new Exit(exitFingerprint, Optional.of("exit0"), Optional.of("de"))), now, now,
                now.plusSeconds(600), 1));
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
        Exit next = new Exit(String.format("%040X", rotations), Optional.of("exit" + rotations), Optional.of("de"));
        Session moved = new Session(s.user(), s.session(), s.mode(), s.countries(), s.instance(), Optional.of(next),
                s.createdAt(), s.lastUsedAt(), s.expiresAt(), 0);
        sessions.put(user + "/" + session, moved);
        return Optional.of(new Rotation(moved, s.exit(), Optional.of(next)));
    }

    @Override
    public synchronized boolean remove(String user, String session) {
        return sessions.remove(user + "/" + session) != null;
    }
}
