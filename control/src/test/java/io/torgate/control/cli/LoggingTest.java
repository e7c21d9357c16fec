package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingTest {

    private final Logger torgate = (Logger) LoggerFactory.getLogger("io.torgate");
    private final Level before = torgate.getLevel();

    @AfterEach
    void restore() {
        torgate.setLevel(before);
    }

    @Test
    void logbackXmlLoadsWithoutErrorsAndLogsInfoToStderr() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .noneMatch(s -> s.getLevel() == Status.ERROR);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
        assertThat(root.getAppender("STDERR")).isNotNull();
        assertThat(torgate.isDebugEnabled()).isFalse();
    }

    @Test
    void debugRaisesOnlyTorgateLoggers() {
        Logging.enableDebug();
        assertThat(LoggerFactory.getLogger("io.torgate.gateway.Anything").isDebugEnabled()).isTrue();
        assertThat(LoggerFactory.getLogger("io.netty.channel").isDebugEnabled()).isFalse();
    }
}
