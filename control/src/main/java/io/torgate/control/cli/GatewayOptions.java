package io.torgate.control.cli;

import io.torgate.control.users.Users;
import io.torgate.control.users.UsersFile;
import io.torgate.control.users.UsersFileException;
import io.torgate.gateway.Authenticator;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.GatewayListener;
import io.torgate.gateway.Router;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The gateway's flags, shared by every command that starts a gateway ({@code run}, {@code testnet}).
 * Defaults mirror {@link GatewayConfig}'s (a test keeps them equal).
 */
final class GatewayOptions {

    private static final Logger log = LoggerFactory.getLogger(GatewayOptions.class);

    static final String DEFAULT_HANDSHAKE_TIMEOUT = "10s";
    static final String DEFAULT_CONNECT_TIMEOUT = "60s";
    static final String DEFAULT_IDLE_TIMEOUT = "5m";
    static final String DEFAULT_MAX_TUNNELS = "20000";
    static final String DEFAULT_MAX_TUNNELS_PER_USER = "0";
    static final String DEFAULT_WRITE_BUFFER_LOW = "32768";
    static final String DEFAULT_WRITE_BUFFER_HIGH = "65536";
    static final String DEFAULT_IO_THREADS = "0";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--socks", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:1080",
            converter = ListenAddressConverter.class,
            description = "Listen address; the one port serves SOCKS5 and HTTP CONNECT. Port 0 picks a free port."
                    + " A non-loopback address requires --users.")
    InetSocketAddress listen;

    @Option(names = "--users", paramLabel = "FILE",
            description = "YAML users file (users: NAME: password: ...); clients must then log in."
                    + " Without it no login is asked (loopback listeners only).")
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

    /** The users file's accounts, or {@link Authenticator#NONE} without {@code --users}. */
    Authenticator authenticator() {
        if (usersFile == null) {
            return Authenticator.NONE;
        }
        try {
            Users users = UsersFile.load(usersFile);
            log.info("users file {}: {} user(s)", usersFile, users.names().size());
            return users;
        } catch (UsersFileException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The gateway settings these flags describe. */
    GatewayConfig gatewayConfig(Router router, Authenticator authenticator) {
        return gatewayConfig(router, authenticator, GatewayListener.NONE);
    }

    /** The gateway settings these flags describe, reporting to {@code listener} (metrics). */
    GatewayConfig gatewayConfig(Router router, Authenticator authenticator, GatewayListener listener) {
        checkFlagCombinations();
        return GatewayConfig.builder()
                .listener(listener)
                .listen(listen)
                .router(router)
                .authenticator(authenticator)
                .handshakeTimeout(handshakeTimeout)
                .connectTimeout(connectTimeout)
                .idleTimeout(idleTimeout)
                .maxTunnels(maxTunnels)
                .maxTunnelsPerUser(maxTunnelsPerUser)
                .writeBufferWaterMark(writeBufferLow, writeBufferHigh)
                .ioThreads(ioThreads)
                .nativeTransport(!noNativeTransport)
                .logDestinations(logDestinations)
                .build();
    }
}
