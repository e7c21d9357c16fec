package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One line per reason per interval and a summary of the rest, on a clock the test moves. */
class RefusalLogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("refusal-log-test");
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final AtomicLong now = new AtomicLong();
    private final RefusalLog refusals = new RefusalLog(logger, Duration.ofMinutes(1), now::get);

    {
        captured.start();
        logger.addAppender(captured);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(captured);
    }

    private List<String> lines() {
        return captured.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Test
    void theFirstRefusalOfAnIntervalIsLoggedTheRestSummedUpOnce() {
        for (int i = 0; i < 1000; i++) {
            refusals.refused(RefusalLog.Level.INFO, "bad username", "client {} refused", i);
            refusals.refused(RefusalLog.Level.WARN, "unchecked login", "client {} not checked", i);
        }
        refusals.flush();
        assertThat(lines()).containsExactly(
                "INFO client 0 refused (more refusals for this reason within 1m are counted, not logged)",
                "WARN client 0 not checked (more refusals for this reason within 1m are counted, not logged)");

        now.addAndGet(Duration.ofMinutes(1).toNanos());
        refusals.flush();
        assertThat(lines()).hasSize(4).endsWith(
                "INFO 999 more refusal(s) for bad username in the last 1m (each at DEBUG)",
                "WARN 999 more refusal(s) for unchecked login in the last 1m (each at DEBUG)");

        refusals.refused(RefusalLog.Level.INFO, "bad username", "client {} refused", "late");
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        refusals.flush();
        refusals.flush();
        assertThat(lines()).as("a lone refusal: logged, nothing to sum up").hasSize(5)
                .last().isEqualTo("INFO client late refused (more refusals for this reason within 1m are counted,"
                        + " not logged)");
        assertThat(captured.list).extracting(ILoggingEvent::getLevel).contains(Level.WARN);
    }

    @Test
    void clientTextIsShortAndEscaped() {
        assertThat(RefusalLog.clientText("al'ice\u0000\n" + "x".repeat(40), 12)).isEqualTo("'al\\x27ice\\x00\\x0axxxx…'");
        assertThat(RefusalLog.clientText("bob", 12)).isEqualTo("'bob'");
        assertThat(RefusalLog.describe(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(RefusalLog.describe(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(RefusalLog.describe(Duration.ofHours(2))).isEqualTo("2h");
    }
}
