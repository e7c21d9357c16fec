package io.torgate.control.config;

import io.torgate.torpool.directory.NodeDirectoryConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The node directory (exit relays and their countries, from Onionoo).
 *
 * @param onionooUrl      Onionoo's base URL
 * @param refreshInterval time between refreshes
 */
public record DirectorySettings(URI onionooUrl, Duration refreshInterval) {

    /** The directory's own config, keeping its database under {@code stateDir}. */
    public NodeDirectoryConfig nodeDirectoryConfig(Path stateDir) {
        Duration retry = Duration.ofMinutes(1);
        return NodeDirectoryConfig.builder()
                .baseUrl(onionooUrl)
                .stateDir(stateDir)
                .refreshInterval(refreshInterval)
                // A failed refresh is retried sooner than the next regular one, but never later.
                .retryInterval(retry.compareTo(refreshInterval) < 0 ? retry : refreshInterval)
                .build();
    }
}
