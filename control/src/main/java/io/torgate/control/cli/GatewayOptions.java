package io.torgate.control.cli;

import io.torgate.control.config.ConfigLoader;
import io.torgate.gateway.GatewayConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The gateway's flags, shared by every command that starts a gateway ({@code run}, {@code testnet}).
 * Defaults mirror {@link GatewayConfig}'s (a test keeps them equal); only flags actually given override the
 * config file and the environment (see {@link ConfigOptions}).
 */
final class GatewayOptions {

    static final String DEFAULT_HANDSHAKE_TIMEOUT = "10s";
    static final String DEFAULT_CONNECT_TIMEOUT = "60s";
    static final String DEFAULT_IDLE_TIMEOUT = "5m";
    static final String DEFAULT_MAX_TUNNELS = "20000";
    static final String DEFAULT_MAX_TUNNELS_PER_USER = "0";
    static final String DEFAULT_WRITE_BUFFER_LOW = "" + GatewayConfig.DEFAULT_WRITE_BUFFER_LOW;
    static final String DEFAULT_WRITE_BUFFER_HIGH = "" + GatewayConfig.DEFAULT_WRITE_BUFFER_HIGH;
    static final String DEFAULT_IO_THREADS = "0";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--socks", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:1080",
            converter = ListenAddressConverter.class,
            description = "Listen address; the one port serves SOCKS5 and HTTP CONNECT. Port 0 picks a free port."
                    + " A non-loopback address requires --users.")
    InetSocketAddress listen;

    @Option(names = "--users", paramLabel = "FILE",
            description = "YAML file with a users: section (users: NAME: password: ...), replacing the config"
                    + " file's users; clients must then log in. Without users no login is asked (loopback only).")
    Path usersFile;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION", defaultValue = DEFAULT_HANDSHAKE_TIMEOUT,
            converter = DurationConverter.class,
            description = "A client must finish its SOCKS5/HTTP handshake within this (e.g. 500ms, 10s, 5m, 1h).")
    Duration handshakeTimeout;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = DEFAULT_CONNECT_TIMEOUT,
            converter = DurationConverter.class,
            description = "Routing plus the upstream connect must finish within this.")
    Duration connectTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = DEFAULT_IDLE_TIMEOUT,
            converter = DurationConverter.class,
            description = "A tunnel with no traffic either way for this long is closed.")
    Duration idleTimeout;

    @Option(names = "--max-tunnels", paramLabel = "N", defaultValue = DEFAULT_MAX_TUNNELS,
            converter = CountConverter.class, description = "Live tunnels in total; 0 = unlimited.")
    int maxTunnels;

    @Option(names = "--max-tunnels-per-user", paramLabel = "N", defaultValue = DEFAULT_MAX_TUNNELS_PER_USER,
            converter = CountConverter.class, description = "Live tunnels per user; 0 = unlimited.")
    int maxTunnelsPerUser;

    @Option(names = "--write-buffer-low", paramLabel = "BYTES", defaultValue = DEFAULT_WRITE_BUFFER_LOW,
            converter = CountConverter.class,
            description = "Resume reading a tunnel's other side when its pending writes fall below this.")
    int writeBufferLow;

    @Option(names = "--write-buffer-high", paramLabel = "BYTES", defaultValue = DEFAULT_WRITE_BUFFER_HIGH,
            converter = CountConverter.class,
            description = "Pause reading a tunnel's other side when its pending writes exceed this.")
    int writeBufferHigh;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = DEFAULT_IO_THREADS,
            converter = CountConverter.class, description = "Event loop threads; 0 = Netty's default (2 x cores).")
    int ioThreads;

    @Option(names = "--no-native-transport",
            description = "Use Java NIO even where the native epoll transport is available.")
    boolean noNativeTransport;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "On SIGTERM/SIGINT, stop accepting and let live tunnels finish for up to this long.")
    Duration shutdownGrace;

    @Option(names = "--log-destinations",
            description = "Write destinations (host:port) in logs; otherwise they are redacted.")
    boolean logDestinations;

    @Option(names = "--debug",
            description = "Log torgate at DEBUG (destinations stay redacted unless --log-destinations).")
    boolean debug;

    /** Flags valid one by one but not together are usage errors, reported before anything starts. */
    void checkFlagCombinations() {
        if (writeBufferLow == 0 || writeBufferHigh == 0 || writeBufferLow > writeBufferHigh) {
            throw new ParameterException(spec.commandLine(), "Invalid values for --write-buffer-low "
                    + writeBufferLow + " and --write-buffer-high " + writeBufferHigh + ": need 0 < low <= high");
        }
    }

    /** Adds the flags given on the command line to the config (they win over the environment and the file). */
    void addFlags(ConfigLoader.Builder b) {
        flag(b, "--socks", "listen.socks", listen);
        flag(b, "--handshake-timeout", "limits.handshake_timeout", handshakeTimeout);
        flag(b, "--connect-timeout", "limits.connect_timeout", connectTimeout);
        flag(b, "--idle-timeout", "limits.idle_timeout", idleTimeout);
        flag(b, "--max-tunnels", "limits.max_tunnels", maxTunnels);
        flag(b, "--max-tunnels-per-user", "limits.max_tunnels_per_user", maxTunnelsPerUser);
        flag(b, "--write-buffer-low", "limits.write_buffer_low", writeBufferLow);
        flag(b, "--write-buffer-high", "limits.write_buffer_high", writeBufferHigh);
        flag(b, "--io-threads", "limits.io_threads", ioThreads);
        flag(b, "--no-native-transport", "limits.native_transport", !noNativeTransport);
        flag(b, "--shutdown-grace", "limits.shutdown_grace", shutdownGrace);
        flag(b, "--log-destinations", "logging.log_destinations", logDestinations);
        flag(b, "--debug", "logging.debug", debug);
    }

    private void flag(ConfigLoader.Builder b, String option, String key, Object value) {
        if (ConfigOptions.given(spec, option)) {
            b.flag(key, value, option);
        }
    }
}
