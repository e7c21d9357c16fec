package io.torgate.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Log lines for refusals of unauthenticated input, which anyone who reaches the port can cause: per reason, the
 * first refusal of an interval is logged with its detail, later ones are only counted, and one line sums them up
 * when the interval is over ({@link #flush}). So a flood costs at most two lines per reason per interval, however
 * many clients send it; metrics count every refusal. Callers log each refusal's detail at DEBUG themselves.
 */
final class RefusalLog {

    static final Duration INTERVAL = Duration.ofMinutes(1);

    /** Every refusal log, so one timer per gateway can flush them all. */
    private static final List<RefusalLog> ALL = new CopyOnWriteArrayList<>();

    /** A refusal's level: INFO for the client's mistakes, WARN for ours (a login that could not be checked). */
    enum Level { INFO, WARN }

    private final Logger log;
    private final Duration interval;
    private final LongSupplier nanos;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    RefusalLog(Logger log) {
        this(log, INTERVAL, System::nanoTime);
        ALL.add(this);
    }

    RefusalLog(Logger log, Duration interval, LongSupplier nanos) {
        this.log = log;
        this.interval = interval;
        this.nanos = nanos;
    }

    /** Sums up every refusal log whose interval is over (called by each gateway's timer). */
    static void flushAll() {
        for (RefusalLog r : ALL) {
            r.flush();
        }
    }

    /** Forgets every interval (for tests: the logs are shared by every gateway in the JVM). */
    static void forgetAll() {
        for (RefusalLog r : ALL) {
            r.windows.clear();
        }
    }

    /** One refusal; {@code reason} comes from a small fixed set, the message and arguments are SLF4J's. */
    void refused(Level level, String reason, String format, Object... args) {
        long now = nanos.getAsLong();
        Window w = windows.computeIfAbsent(reason, r -> new Window(level));
        boolean first;
        int summed;
        synchronized (w) {
            summed = w.rollIfOver(now, interval);
            first = w.logged == 0;
            if (first) {
                w.logged = 1;
            } else {
                w.suppressed++;
            }
        }
        if (summed > 0) {
            summary(w.level, reason, summed);
        }
        if (first) {
            String line = format + " (more refusals for this reason within " + describe(interval)
                    + " are counted, not logged)";
            if (level == Level.WARN) {
                log.warn(line, args);
            } else {
                log.info(line, args);
            }
        }
    }

    /** Sums up each reason whose interval is over. */
    void flush() {
        long now = nanos.getAsLong();
        for (Map.Entry<String, Window> e : windows.entrySet()) {
            int summed;
            synchronized (e.getValue()) {
                summed = e.getValue().rollIfOver(now, interval);
            }
            if (summed > 0) {
                summary(e.getValue().level, e.getKey(), summed);
            }
        }
    }

    private void summary(Level level, String reason, int count) {
        if (level == Level.WARN) {
            log.warn("{} more refusal(s) for {} in the last {} (each at DEBUG)", count, reason, describe(interval));
        } else {
            log.info("{} more refusal(s) for {} in the last {} (each at DEBUG)", count, reason, describe(interval));
        }
    }

    /** One reason's current interval; guarded by its own monitor. */
    private static final class Window {
        final Level level;
        long start;
        int logged;
        int suppressed;
        boolean started;

        Window(Level level) {
            this.level = level;
        }

        /** Starts a new interval if this one is over; returns the refusals to sum up from the old one. */
        int rollIfOver(long now, Duration interval) {
            if (!started) {
                started = true;
                start = now;
                return 0;
            }
            if (now - start < interval.toNanos()) {
                return 0;
            }
            int summed = suppressed;
            start = now;
            logged = 0;
            suppressed = 0;
            return summed;
        }
    }

    /** 90s, 5m, 2h: as the config writes durations. */
    static String describe(Duration d) {
        long s = d.toSeconds();
        return s % 3600 == 0 && s > 0 ? s / 3600 + "h" : s % 60 == 0 && s > 0 ? s / 60 + "m" : s + "s";
    }

    /** Short and printable: a client's text in a log line (the full text, if needed, only at DEBUG). */
    static String clientText(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), max) + 8).append('\'');
        for (int i = 0; i < text.length() && i < max; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
                b.append(c);
            } else {
                b.append(String.format("\\x%02x", (int) c & 0xff));
            }
        }
        if (text.length() > max) {
            b.append('…');
        }
        return b.append('\'').toString();
    }
}
