package io.torgate.control.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file being written is not half-read: the reader waits for it to settle, on a clock the test moves. */
class SettledFileTest {

    @TempDir
    Path dir;

    /** A clock the pauses move; the file's modification time is set from it, so no real time passes. */
    private final MovingClock clock = new MovingClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void aFileLastWrittenLongAgoIsReadAtOnce() throws Exception {
        Path file = write("users: {}\n", clock.instant().minusSeconds(5));
        AtomicInteger pauses = new AtomicInteger();
        byte[] bytes = new SettledFile(clock, d -> pauses.incrementAndGet()).readSettled(file);
        assertThat(new String(bytes)).isEqualTo("users: {}\n");
        assertThat(pauses).hasValue(0);
    }

    @Test
    void aFileStillBeingWrittenIsReadOnlyOnceTheWriterHasFinished() throws Exception {
        String first = "listen: {socks: \"127.0.0.1:1080\"}\n";
        String rest = "users:\n  alice: {password: a1}\n";
        Path file = write(first, clock.instant());
        AtomicInteger pauses = new AtomicInteger();
        byte[] bytes = new SettledFile(clock, d -> {
            clock.advance(d);
            if (pauses.incrementAndGet() == 2) { // the writer goes on while the reader waits
                append(file, rest, clock.instant());
            }
        }).readSettled(file);
        assertThat(new String(bytes)).isEqualTo(first + rest);
        assertThat(pauses.get()).isGreaterThan(2);
    }

    @Test
    void aFileWithAModificationTimeInTheFutureIsReadOnceItStopsChanging() throws Exception {
        Path file = write("users: {}\n", clock.instant().plusSeconds(3600));
        AtomicInteger pauses = new AtomicInteger();
        byte[] bytes = new SettledFile(clock, d -> {
            clock.advance(d);
            pauses.incrementAndGet();
        }).readSettled(file);
        assertThat(new String(bytes)).isEqualTo("users: {}\n");
        assertThat(Duration.ofMillis(50L * pauses.get())).isGreaterThanOrEqualTo(SettledFile.SETTLE)
                .isLessThan(SettledFile.MAX_WAIT);
    }

    @Test
    void aFileThatKeepsChangingIsRefusedAfterTheLongestWait() throws Exception {
        Path file = write("a: 1\n", clock.instant());
        assertThatThrownBy(() -> new SettledFile(clock, d -> {
            clock.advance(d);
            append(file, "# more\n", clock.instant());
        }).readSettled(file))
                .isInstanceOf(SettledFile.StillChanging.class)
                .hasMessage("still being written (its size or modification time kept changing for 3s); try again once"
                        + " it is saved");
        assertThat(clock.instant()).isAfterOrEqualTo(Instant.parse("2026-01-01T00:00:03Z"));
    }

    private Path write(String text, Instant modified) throws IOException {
        Path file = Files.writeString(dir.resolve("torgate.yaml"), text);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    private static void append(Path file, String text, Instant modified) {
        try {
            Files.writeString(file, text, StandardOpenOption.APPEND);
            Files.setLastModifiedTime(file, FileTime.from(modified));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final class MovingClock extends Clock {
        private Instant now;

        MovingClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
