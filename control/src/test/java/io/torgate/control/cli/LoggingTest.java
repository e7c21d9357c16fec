package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.Status;
import java.net.URL;
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

    /** Loads the shipped logback.xml into a context of its own (the tests' class path may carry other configs). */
    @Test
    void productionConfigLoadsWithoutErrorsAndLogsInfoToStderr() throws Exception {
        URL config = getClass().getClassLoader().getResource("logback.xml");
        assertThat(config).isNotNull();
        assertThat(config.getPath()).contains("control");
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);

        assertThat(context.getStatusManager().getCopyOfStatusList()).noneMatch(s -> s.getLevel() == Status.ERROR);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
        assertThat(root.getAppender("STDERR")).isInstanceOfSatisfying(ConsoleAppender.class,
                appender -> assertThat(appender.getTarget()).isEqualTo("System.err"));
        assertThat(context.getLogger("io.torgate.gateway.X").isDebugEnabled()).isFalse();
        context.stop();
    }

    @Test
    void debugRaisesTorgateLoggersButNotLibraries() {
        Logging.enableDebug();
        assertThat(LoggerFactory.getLogger("io.torgate.gateway.Anything").isDebugEnabled()).isTrue();
        assertThat(LoggerFactory.getLogger("io.netty.channel").isDebugEnabled()).isFalse();
    }

    @Test
    void debugCanBeTurnedOffAgainByAReload() {
        Logging.debug(true);
        assertThat(LoggerFactory.getLogger("io.torgate.policy.X").isDebugEnabled()).isTrue();
        Logging.debug(false);
        assertThat(LoggerFactory.getLogger("io.torgate.policy.X").isDebugEnabled()).isFalse();
        assertThat(LoggerFactory.getLogger("io.torgate.policy.X").isInfoEnabled()).isTrue();
    }
}
