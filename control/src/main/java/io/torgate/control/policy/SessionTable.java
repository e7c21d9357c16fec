package io.torgate.control.policy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The default {@link SessionCounter}: user + session ids seen, each with its connections in use and its last
 * use. A session is live while a connection uses it and for its ttl after the last one ended. Expired entries
 * are dropped whenever their user is looked at, so memory stays bounded by what is live plus one user's
 * leftovers. Each user's table is guarded by its own monitor, held for a few map operations only.
 */
public final class SessionTable implements SessionCounter {

    private static final int SWEEP_EVERY = 4096;

    private final LongSupplier nanoTime;
    private final AtomicLong uses = new AtomicLong();
    private final Map<String, UserSessions> users = new ConcurrentHashMap<>();

    public SessionTable() {
        this(System::nanoTime);
    }

    /** With a clock (tests pass a fake one). */
    public SessionTable(LongSupplier nanoTime) {
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    @Override
    public boolean tryUse(String user, String session, Duration ttl, int maxSessions) {
        if (uses.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep(); // users who never come back would otherwise keep their expired sessions forever
        }
        while (true) {
            UserSessions mine = users.computeIfAbsent(user, u -> new UserSessions());
            synchronized (mine) {
                if (!mine.retired) {
                    return use(mine, session, ttl, maxSessions);
                }
            }
            // sweep() dropped this table between our lookup and our lock: look again.
        }
    }

    private boolean use(UserSessions mine, String session, Duration ttl, int maxSessions) {
        long now = nanoTime.getAsLong();
        mine.expire(now);
        Entry e = mine.sessions.get(session);
        if (e == null) {
            if (maxSessions > 0 && mine.sessions.size() >= maxSessions) {
                return false;
            }
            e = new Entry();
            mine.sessions.put(session, e);
        }
        e.inUse++;
        e.ttlNanos = ttl.toNanos();
        e.lastUse = now;
        return true;
    }

    @Override
    public void release(String user, String session) {
        UserSessions mine = users.get(user);
        if (mine == null) {
            return;
        }
        synchronized (mine) {
            Entry e = mine.sessions.get(session);
            if (e != null && e.inUse > 0) {
                e.inUse--;
                e.lastUse = nanoTime.getAsLong();
            }
        }
    }

    @Override
    public int liveSessions(String user) {
        UserSessions mine = users.get(user);
        if (mine == null) {
            return 0;
        }
        synchronized (mine) {
            mine.expire(nanoTime.getAsLong());
            return mine.sessions.size();
        }
    }

    /** Drops every expired session (and users left with none); returns how many sessions remain. */
    public int sweep() {
        long now = nanoTime.getAsLong();
        int left = 0;
        for (Iterator<Map.Entry<String, UserSessions>> it = users.entrySet().iterator(); it.hasNext(); ) {
            UserSessions mine = it.next().getValue();
            synchronized (mine) {
                mine.expire(now);
                left += mine.sessions.size();
                // A user with nothing live is forgotten; a tryUse that already holds this table sees it retired.
                if (mine.sessions.isEmpty()) {
                    mine.retired = true;
                    it.remove();
                }
            }
        }
        return left;
    }

    private static final class UserSessions {
        final Map<String, Entry> sessions = new HashMap<>();
        boolean retired;

        void expire(long now) {
            sessions.values().removeIf(e -> e.inUse == 0 && now - e.lastUse >= e.ttlNanos);
        }
    }

    private static final class Entry {
        int inUse;
        long ttlNanos;
        long lastUse;
    }
}
