package io.torgate.control.cli;

import io.torgate.control.Upstream;
import io.torgate.control.api.ControlPlane;
import io.torgate.control.api.RouterSessions;
import io.torgate.control.metrics.TorgateMetrics;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Router;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.pool.TorPoolRouter;
import io.torgate.torpool.process.Torrc;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code torgate run}: start the gateway in the foreground until SIGTERM or SIGINT. */
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

    @Spec
    CommandSpec spec;

    @Option(names = "--upstream", paramLabel = "UPSTREAM", defaultValue = "tor-pool", converter = UpstreamConverter.class,
            description = "Where tunnels go: 'tor-pool' (a pool of --instances tor processes torgate runs and"
                    + " supervises, on the public Tor network), 'direct' (dial each destination from this host;"
                    + " no anonymity) or 'socks5://HOST:PORT' (chain through a SOCKS5 server such as a Tor SocksPort).")
    Upstream upstream;

    @Mixin
    PoolOptions pool;

    @Mixin
    GatewayOptions gateway;

    @Mixin
    ApiOptions api;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() throws Exception {
        if (gateway.debug) {
            Logging.enableDebug();
        }
        gateway.checkFlagCombinations();
        api.checkSafe();
        try (Foreground fg = new Foreground(spec)) {
            TorgateMetrics metrics = fg.own(TorgateMetrics.create());
            ControlPlane.Builder control = ControlPlane.builder().upstream(upstream.describe()).metrics(metrics);
            TorPool tors = null;
            NodeDirectory nodes = null;
            Router router;
            if (upstream instanceof Upstream.TorPool) {
                Path poolDir = pool.stateDir().resolve("pool");
                tors = fg.own(pool.pool(poolDir, new Torrc()));
                nodes = NodeDirectories.open(fg, spec, NodeDirectoryConfig.DEFAULT_BASE_URL, pool.stateDir());
                TorPoolRouter poolRouter = TorPoolRouter.builder(tors).directory(nodes).build();
                router = poolRouter;
                control.pool(pool.admin(tors, poolRouter, poolDir, new Torrc())).directory(nodes)
                        .sessions(new RouterSessions(poolRouter.sessions()));
            } else {
                router = router();
            }
            GatewayConfig config = gateway.gatewayConfig(router, gateway.authenticator(), metrics.gatewayListener());
            Gateway gw = fg.startGateway(config);
            fg.out().println("torgate listening on " + Foreground.hostPort(gw.address())
                    + " (SOCKS5 and HTTP CONNECT), upstream " + upstream.describe());
            fg.out().flush();
            api.start(fg, control.gateway(gw, config, router));
            if (nodes != null) {
                nodes.start();
            }
            if (tors != null && !startPool(fg, tors)) {
                return ExitCodes.RUNTIME_FAILURE;
            }
            return fg.serveUntilSignal(gw, gateway.shutdownGrace);
        } catch (Foreground.GatewayStartFailed e) {
            return e.exitCode();
        }
    }

    /**
     * Starts the pool behind an already listening gateway (clients meanwhile get "no tor instance is ready"),
     * showing each instance's bootstrap. False when no instance could start at all (the reason is printed).
     */
    private boolean startPool(Foreground fg, TorPool tors) throws InterruptedException {
        fg.out().println("Starting " + pool.instances + " tor instance(s) (state in " + pool.stateDir() + ")");
        try {
            new PoolProgress(tors, fg.out(), PoolProgress.stdoutIsTerminal()).follow(tors.start(), fg::stopRequested);
            fg.out().println("Tor pool ready: " + tors.ready().size() + " of " + pool.instances + " instances");
            fg.out().flush();
            return true;
        } catch (ExecutionException e) {
            spec.commandLine().getErr().println("torgate run: " + TestnetCommand.rootMessage(e));
            spec.commandLine().getErr().flush();
            return false;
        } catch (InterruptedException stopRequested) {
            // Ctrl-C while tor bootstraps: fall through to the normal drain-and-stop.
            return true;
        }
    }

    private Router router() {
        try {
            if (upstream instanceof Upstream.Socks5 socks5) {
                return socks5.router();
            }
            return ((Upstream.Direct) upstream).router();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
