package io.torgate.control.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Reads a config file whole, and only once it has stopped changing, so a reload never acts on a file an editor
 * or a deploy script is still writing. Parsing alone cannot tell: a file cut off at a line end is valid YAML.
 * <p>
 * The file counts as settled when its modification time is at least {@link #SETTLE} old, or when its size and
 * modification time have not changed over {@code SETTLE} (for a clock that disagrees with the file system's);
 * and it must have the same size and modification time after the read as before, with as many bytes as the
 * size said. A file that keeps changing for {@link #MAX_WAIT} is refused.
 */
final class SettledFile {

    static final Duration SETTLE = Duration.ofMillis(200);
    static final Duration MAX_WAIT = Duration.ofSeconds(3);
    private static final Duration POLL = Duration.ofMillis(50);

    /** Waits between looks at the file (tests pass one that moves their clock and writes the file). */
    @FunctionalInterface
    interface Pause {
        void pause(Duration d) throws InterruptedException;
    }

    /** The file never settled within {@link #MAX_WAIT}. */
    static final class StillChanging extends IOException {
        StillChanging(String message) {
            super(message);
        }
    }

    private final Clock clock;
    private final Pause pause;

    SettledFile(Clock clock, Pause pause) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pause = Objects.requireNonNull(pause, "pause");
    }

    static byte[] read(Path file) throws IOException {
        return new SettledFile(Clock.systemUTC(), d -> Thread.sleep(d.toMillis())).readSettled(file);
    }

    byte[] readSettled(Path file) throws IOException {
        long start = clock.millis();
        Look previous = null;
        while (true) {
            Look before = Look.at(file, clock.millis());
            boolean settled = before.age() >= SETTLE.toMillis()
                    || previous != null && previous.sameFile(before) && before.seenAt() - previous.seenAt() >= SETTLE.toMillis();
            if (settled) {
                byte[] bytes = Files.readAllBytes(file);
                Look after = Look.at(file, clock.millis());
                if (before.sameFile(after) && bytes.length == before.size()) {
                    return bytes;
                }
            }
            if (previous == null || !previous.sameFile(before)) {
                previous = before;
            }
            if (clock.millis() - start >= MAX_WAIT.toMillis()) {
                throw new StillChanging("still being written (its size or modification time kept changing for "
                        + Values.format(MAX_WAIT) + "); try again once it is saved");
            }
            try {
                pause.pause(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the file to settle", e);
            }
        }
    }

    /** What the file looked like at one moment. */
    private record Look(long size, long modified, long seenAt) {
        static Look at(Path file, long now) throws IOException {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Look(a.size(), a.lastModifiedTime().toMillis(), now);
        }

        long age() {
            return seenAt - modified;
        }

        boolean sameFile(Look other) {
            return size == other.size && modified == other.modified;
        }
    }
}
