package io.torgate.control.cli;

import io.torgate.control.Upstream;
import io.torgate.control.users.Users;
import io.torgate.control.users.UsersFile;
import io.torgate.control.users.UsersFileException;
import io.torgate.gateway.Authenticator;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.GatewayStartException;
import io.torgate.gateway.Router;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code torgate run}: start the gateway in the foreground until SIGTERM or SIGINT.
 * <p>
 * Defaults mirror {@link GatewayConfig}'s (a test keeps them equal). {@code --upstream} defaults to
 * {@code direct} for now; it becomes the managed Tor pool once that exists.
 */
@Command(name = "run",
        description = {
                "Start the gateway in the foreground: one listener that speaks SOCKS5 and HTTP CONNECT, relaying"
                        + " each tunnel to the upstream. Clients choose their route in the proxy username"
                        + " (USER[-KEY-VALUE]..., see README). Stops cleanly on SIGTERM or SIGINT.",
                "",
                "Exit status: 0 clean stop, 1 runtime failure (e.g. address in use),"
                        + " 2 bad flag, users file or refused configuration."},
        showDefaultValues = true,
        sortOptions = false,
        usageHelpAutoWidth = true)
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    static final String DEFAULT_HANDSHAKE_TIMEOUT = "10s";
    static final String DEFAULT_CONNECT_TIMEOUT = "60s";
    static final String DEFAULT_IDLE_TIMEOUT = "5m";
    static final String DEFAULT_MAX_TUNNELS = "20000";
    static final String DEFAULT_MAX_TUNNELS_PER_USER = "0";
    static final String DEFAULT_WRITE_BUFFER_LOW = "32768";
    static final String DEFAULT_WRITE_BUFFER_HIGH = "65536";
    static final String DEFAULT_IO_THREADS = "0";

    @Spec
    CommandSpec spec;

    @Option(names = "--upstream", paramLabel = "UPSTREAM", defaultValue = "direct", converter = UpstreamConverter.class,
            description = "Where tunnels go: 'direct' (dial each destination from this host; no anonymity) or"
                    + " 'socks5://HOST:PORT' (chain through a SOCKS5 server such as a Tor SocksPort).")
    Upstream upstream;

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

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() throws Exception {
        if (debug) {
            Logging.enableDebug();
        }
        checkFlagCombinations();
        Authenticator authenticator = authenticator();
        GatewayConfig config = gatewayConfig(router(), authenticator);

        Gateway gateway;
        try {
            gateway = Gateway.start(config);
        } catch (GatewayStartException e) {
            return startFailed(e);
        }
        StopSignal stop = StopSignal.install();
        Thread safetyNet = new Thread(() -> gateway.shutdown(shutdownGrace), "torgate-shutdown-hook");
        // Only for exits that bypass StopSignal (SIGHUP, a fatal error elsewhere): never leave tunnels dangling.
        Runtime.getRuntime().addShutdownHook(safetyNet);

        PrintWriter out = spec.commandLine().getOut();
        out.println("torgate listening on " + hostPort(gateway.address()) + " (SOCKS5 and HTTP CONNECT), upstream "
                + upstream.describe());
        out.flush();

        String signal = stop.await();
        log.info("{}: stopping; live tunnels get up to {} to finish", signal,
                DurationConverter.format(shutdownGrace));
        gateway.shutdown(shutdownGrace);
        try {
            Runtime.getRuntime().removeShutdownHook(safetyNet);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The JVM is exiting anyway; the hook's shutdown of an already stopped gateway is a no-op.
        }
        log.info("stopped");
        return ExitCodes.OK;
    }

    private Router router() {
        try {
            return upstream.router();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private Authenticator authenticator() {
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

    /** Flags valid one by one but not together are usage errors, reported before anything starts. */
    void checkFlagCombinations() {
        if (writeBufferLow == 0 || writeBufferHigh == 0 || writeBufferLow > writeBufferHigh) {
            throw new ParameterException(spec.commandLine(), "Invalid values for --write-buffer-low "
                    + writeBufferLow + " and --write-buffer-high " + writeBufferHigh + ": need 0 < low <= high");
        }
    }

    /** The gateway settings these flags describe. */
    GatewayConfig gatewayConfig(Router router, Authenticator authenticator) {
        checkFlagCombinations();
        return GatewayConfig.builder()
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

    /**
     * A bind failure (an I/O cause, e.g. address in use) is a runtime failure a retry may fix; anything else
     * (e.g. a public listener without users) is a configuration the operator must change.
     */
    private int startFailed(GatewayStartException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("torgate run: " + e.getMessage());
        err.flush();
        return e.getCause() instanceof IOException ? ExitCodes.RUNTIME_FAILURE : ExitCodes.CONFIG_ERROR;
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
