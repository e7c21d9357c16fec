package io.torgate.control.cli;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.GatewayStartException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The foreground life of a command that serves: start the gateway, say where it listens, wait for SIGTERM
 * or SIGINT, drain, then stop what the gateway depended on (the Tor pool, the testnet) in reverse order of
 * start. The same code for {@code run} and {@code testnet}, so both stop the same way.
 */
final class Foreground implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Foreground.class);

    private final CommandSpec spec;
    private final StopSignal stop;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Thread safetyNet;

    /** Installs the signal handlers first, so a Ctrl-C during a slow start (tor bootstrap) is honoured. */
    Foreground(CommandSpec spec) {
        this.spec = spec;
        this.stop = StopSignal.install();
        // Only for exits that bypass StopSignal (e.g. a fatal error elsewhere): never leave tor or tunnels behind.
        this.safetyNet = new Thread(this::closeResources, "torgate-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(safetyNet);
    }

    /** Something to close when the command ends, after everything registered later. */
    <T extends AutoCloseable> T own(T resource) {
        synchronized (resources) {
            resources.add(resource);
        }
        return resource;
    }

    /** True once SIGTERM/SIGINT has arrived (a start-up step can give up early). */
    boolean stopRequested() {
        return stop.received();
    }

    /**
     * Starts the gateway; on failure prints why and returns the exit status to end with (else -1).
     * A bind failure (an I/O cause, e.g. address in use) is a runtime failure a retry may fix; anything else
     * (e.g. a public listener without users) is a configuration the operator must change.
     */
    Gateway startGateway(GatewayConfig config) throws GatewayStartFailed {
        try {
            return own(Gateway.start(config));
        } catch (GatewayStartException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(spec.qualifiedName() + ": " + e.getMessage());
            err.flush();
            throw new GatewayStartFailed(e.getCause() instanceof IOException
                    ? ExitCodes.RUNTIME_FAILURE : ExitCodes.CONFIG_ERROR);
        }
    }

    /** Waits for SIGTERM/SIGINT, drains the gateway for up to {@code grace}, closes the rest; returns 0. */
    int serveUntilSignal(Gateway gateway, java.time.Duration grace) throws InterruptedException {
        String signal = stop.await();
        log.info("{}: stopping; live tunnels get up to {} to finish", signal, DurationConverter.format(grace));
        gateway.shutdown(grace);
        close();
        log.info("stopped");
        return ExitCodes.OK;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Closes everything owned, newest first. Idempotent. */
    @Override
    public void close() {
        closeResources();
        try {
            Runtime.getRuntime().removeShutdownHook(safetyNet);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The JVM is exiting anyway; the hook closes what is left (a no-op when already closed).
        }
    }

    private void closeResources() {
        List<AutoCloseable> toClose;
        synchronized (resources) {
            toClose = new ArrayList<>(resources);
            resources.clear();
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", toClose.get(i), e.toString());
            }
        }
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The gateway did not start; {@link #exitCode()} is the status to end with (the reason is printed). */
    static final class GatewayStartFailed extends Exception {
        private final int exitCode;

        GatewayStartFailed(int exitCode) {
            super(null, null, false, false);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }
}
