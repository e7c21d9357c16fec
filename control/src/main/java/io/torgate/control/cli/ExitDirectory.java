package io.torgate.control.cli;

import io.torgate.control.config.DirectorySettings;
import io.torgate.control.policy.RelayCountries;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryException;
import io.torgate.torpool.directory.Relay;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the node directory for the tor pool, so the policy can tell which country a pinned {@code exit-FP} is
 * in. If the directory cannot be opened the gateway still runs; pinned exits are then refused for users whose
 * countries are restricted (their country cannot be checked), and the log says why.
 */
final class ExitDirectory {

    private static final Logger log = LoggerFactory.getLogger(ExitDirectory.class);

    private ExitDirectory() {
    }

    /** The directory under {@code stateDir}, owned by {@code fg} and refreshing on its schedule; null if it failed. */
    static NodeDirectory open(Foreground fg, DirectorySettings settings, Path stateDir) {
        try {
            NodeDirectory directory = fg.own(NodeDirectory.open(settings.nodeDirectoryConfig(stateDir)));
            directory.start();
            return directory;
        } catch (NodeDirectoryException | IllegalArgumentException e) {
            log.warn("node directory unavailable ({}); pinned exits cannot be checked against allowed countries",
                    e.getMessage());
            return null;
        }
    }

    /** Relay countries as the directory knows them (UNKNOWN without a directory). */
    static RelayCountries countries(NodeDirectory directory) {
        if (directory == null) {
            return RelayCountries.UNKNOWN;
        }
        return fp -> directory.relay(fp).flatMap(Relay::country).map(c -> c.toLowerCase(Locale.ROOT));
    }
}
