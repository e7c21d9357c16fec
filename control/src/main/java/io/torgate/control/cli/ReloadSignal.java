package io.torgate.control.cli;

import io.torgate.control.config.ConfigReloader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP re-reads the configuration, as daemons do. The reloader logs the outcome (INFO when applied, WARN
 * with the reason when the file was bad and the running config was kept); nothing here can stop the process.
 */
final class ReloadSignal {

    private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);

    private ReloadSignal() {
    }

    static void install(ConfigReloader reloader) {
        Signal.handle(new Signal("HUP"), s -> {
            log.info("SIGHUP: reloading the configuration");
            try {
                reloader.reload();
            } catch (RuntimeException e) {
                log.error("reload failed unexpectedly; the running config stays", e);
            }
        });
    }
}
