package io.torgate.control.cli;

import io.torgate.control.Upstream;
import io.torgate.control.api.ControlPlane;
import io.torgate.control.api.PoolAdmin;
import io.torgate.control.api.RouterSessions;
import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.ConfigReloader;
import io.torgate.control.config.PoolResizer;
import io.torgate.control.config.TorgateConfig;
import io.torgate.control.metrics.TorgateMetrics;
import io.torgate.control.policy.RelayCountries;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Router;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.circuit.CircuitStack;
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
                        + " (USER[-KEY-VALUE]..., see README). Stops cleanly on SIGTERM or SIGINT; SIGHUP re-reads"
                        + " the config file.",
                "",
                "Settings come from flags, then TORGATE_... environment variables, then --config FILE, then the"
                        + " defaults shown here.",
                "",
                "Exit status: 0 clean stop, 1 runtime failure (e.g. address in use),"
                        + " 2 bad flag, config file, users file or refused configuration."},
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
    ConfigOptions config;

    @Mixin
    PoolOptions pool;

    @Mixin
    GatewayOptions gateway;

    @Mixin
    ApiOptions api;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** The config these flags, the environment and the files describe. */
    ConfigLoader loader() {
        return config.loader(gateway, pool, b -> {
            api.addFlags(b);
            if (ConfigOptions.given(spec, "--upstream")) {
                b.flag("upstream", upstream, "--upstream");
            }
        });
    }

    @Override
    public Integer call() throws Exception {
        gateway.checkFlagCombinations();
        ConfigLoader loader = loader();
        TorgateConfig settings = ConfigOptions.load(loader);
        if (settings.logging().debug()) {
            Logging.enableDebug();
        }
        try (Foreground fg = new Foreground(spec)) {
            TorgateMetrics metrics = fg.own(TorgateMetrics.create());
            ControlPlane.Builder control = ControlPlane.builder().upstream(settings.upstream().describe())
                    .metrics(metrics);
            TorPool tors = null;
            Router router;
            RelayCountries relays = RelayCountries.UNKNOWN;
            PoolResizer resizer = PoolResizer.UNSUPPORTED;
            if (settings.upstream() instanceof Upstream.TorPool) {
                Path state = settings.pool().stateDir();
                Path poolDir = state.resolve("pool");
                tors = fg.own(PoolOptions.pool(settings, poolDir, new Torrc()));
                // One directory for exit routing, the policy's country checks and the API's /nodes.
                NodeDirectory nodes = ExitDirectory.open(fg, settings.directory(), state.resolve("directory"));
                relays = ExitDirectory.countries(nodes);
                TorPoolRouter poolRouter = TorPoolRouter.builder(tors).directory(nodes)
                        .warmCircuits(settings.pool().warmCircuits())
                        .circuitSettings(CircuitStack.Settings.defaults().withListener(metrics.circuitListener())).build();
                router = poolRouter;
                PoolAdmin admin = PoolOptions.admin(tors, poolRouter, settings, poolDir, new Torrc());
                resizer = PoolOptions.resizer(admin);
                control.pool(admin).directory(nodes).sessions(new RouterSessions(poolRouter.sessions()));
            } else {
                router = router(settings.upstream());
            }
            LiveConfig live = new LiveConfig(loader, settings, router, relays);
            GatewayConfig config = live.gatewayConfig(metrics.gatewayListener());
            Gateway gw = fg.startGateway(config);
            ConfigReloader reloader = live.started(gw, resizer);
            fg.out().println("torgate listening on " + Foreground.hostPort(gw.address())
                    + " (SOCKS5 and HTTP CONNECT), upstream " + settings.upstream().describe());
            fg.out().flush();
            api.start(fg, control.gateway(gw, config, live.router()).reloader(reloader::reload), settings.api());
            if (tors != null && !startPool(fg, tors, settings)) {
                return ExitCodes.RUNTIME_FAILURE;
            }
            return fg.serveUntilSignal(gw, settings.limits().shutdownGrace());
        } catch (Foreground.GatewayStartFailed e) {
            return e.exitCode();
        }
    }

    /**
     * Starts the pool behind an already listening gateway (clients meanwhile get "no tor instance is ready"),
     * showing each instance's bootstrap. False when no instance could start at all (the reason is printed).
     */
    private boolean startPool(Foreground fg, TorPool tors, TorgateConfig settings) throws InterruptedException {
        fg.out().println("Starting " + settings.pool().instances() + " tor instance(s) (state in "
                + settings.pool().stateDir() + ")");
        try {
            new PoolProgress(tors, fg.out(), PoolProgress.stdoutIsTerminal()).follow(tors.start(), fg::stopRequested);
            fg.out().println("Tor pool ready: " + tors.ready().size() + " of " + settings.pool().instances()
                    + " instances");
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

    private static Router router(Upstream upstream) {
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
