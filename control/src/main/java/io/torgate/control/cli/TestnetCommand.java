package io.torgate.control.cli;

import io.torgate.control.api.ControlPlane;
import io.torgate.control.api.PoolAdmin;
import io.torgate.control.api.RouterSessions;
import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.ConfigReloader;
import io.torgate.control.config.DirectorySettings;
import io.torgate.control.config.TorgateConfig;
import io.torgate.control.metrics.TorgateMetrics;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.pool.TorPool;
import io.torgate.torpool.circuit.CircuitStack;
import io.torgate.torpool.pool.TorPoolRouter;
import io.torgate.torpool.testnet.OnionHost;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkException;
import io.torgate.torpool.testnet.TestRelay;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code torgate testnet}: a private Tor network on loopback (authorities, middles, exits) with a tor pool
 * and the gateway on it — the whole system offline, for demos and trying things out.
 */
@Command(name = "testnet",
        description = {
                "Start a private Tor network on loopback (3 directory authorities, middle relays and exits),"
                        + " a pool of tor instances joined to it, and the gateway in front: torgate end to end,"
                        + " offline. Prints a ready-to-paste curl; stops everything on Ctrl-C (SIGINT/SIGTERM).",
                "",
                "Exit status: 0 clean stop, 1 the network or pool failed to start, 2 bad flag."},
        showDefaultValues = true,
        sortOptions = false,
        usageHelpAutoWidth = true)
final class TestnetCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TestnetCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--exits", paramLabel = "N", defaultValue = "4", converter = PositiveCountConverter.class,
            description = "Exit relays in the network (up to 240 with the 3 middles).")
    int exits;

    @Option(names = "--exit-countries", paramLabel = "CC[,CC...]", split = ",",
            description = "The country each exit claims in the network's Onionoo document, in order (cycled)."
                    + " Default: a distinct country per exit for up to 32 exits, starting de,us,nl,fr.")
    List<String> exitCountries;

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

    @Override
    public Integer call() throws Exception {
        gateway.checkFlagCombinations();
        ConfigLoader loader = config.loader(gateway, pool, api::addFlags);
        TorgateConfig settings = ConfigOptions.load(loader);
        if (settings.logging().debug()) {
            Logging.enableDebug();
        }
        if (!(settings.upstream() instanceof io.torgate.control.Upstream.TorPool)) {
            log.info("upstream {} is ignored: the testnet always routes through its own tor pool",
                    settings.upstream().describe());
        }
        ignoredOnionooUrl(settings).ifPresent(notice -> {
            spec.commandLine().getErr().println("torgate testnet: " + notice);
            spec.commandLine().getErr().flush();
        });
        try (Foreground fg = new Foreground(spec)) {
            TorgateMetrics metrics = fg.own(TorgateMetrics.create());
            PrintWriter out = fg.out();
            Path state = settings.pool().stateDir();
            long t0 = System.nanoTime();
            out.println("Starting a private Tor network on loopback (" + exits + " exits; keys and state in "
                    + state.resolve("testnet") + ")");
            out.flush();
            TestNetwork net;
            try {
                net = fg.own(TestNetwork.start(networkOptions(state.resolve("testnet"), settings, out)));
            } catch (TestNetworkException e) {
                spec.commandLine().getErr().println("torgate testnet: the private network did not start: "
                        + e.getMessage());
                return ExitCodes.RUNTIME_FAILURE;
            }
            out.println("Network up in " + seconds(t0) + ". Exits:");
            for (TestRelay exit : net.exits()) {
                out.println("  " + exit.nickname() + "  " + exit.country() + "  " + exit.fingerprint());
            }
            printPathRuleCases(out, net);
            // An onion service of the network's own, serving the whoami page (its keys persist: the same address).
            OnionHost onion = null;
            try {
                onion = fg.own(OnionHost.start(net, state.resolve("testnet-onion"), java.time.Duration.ofSeconds(30)));
            } catch (TestNetworkException e) {
                spec.commandLine().getErr().println("torgate testnet: no onion service this time: " + e.getMessage());
            }
            // Its own database: testnet relays must never mix with the real network's in <state>/directory.
            NodeDirectory nodes = testnetDirectory(fg, net, state.resolve("testnet-directory"), settings.directory());
            int instances = settings.pool().instances();
            out.println("Starting " + instances + " tor instance(s) on it");
            out.flush();

            long t1 = System.nanoTime();
            Path poolDir = state.resolve("testnet-pool");
            TorPool tors = fg.own(PoolOptions.pool(settings, poolDir, net.clientTorrc()));
            try {
                new PoolProgress(tors, out, PoolProgress.stdoutIsTerminal()).follow(tors.start(), fg::stopRequested);
            } catch (ExecutionException e) {
                spec.commandLine().getErr().println("torgate testnet: " + rootMessage(e));
                return ExitCodes.RUNTIME_FAILURE;
            } catch (InterruptedException stopRequested) {
                return ExitCodes.OK;
            }
            out.println("Pool ready in " + seconds(t1) + " (" + tors.ready().size() + " of " + instances
                    + " instances)");

            TorPoolRouter router = TorPoolRouter.builder(tors).directory(nodes)
                        .warmCircuits(settings.pool().warmCircuits())
                        .circuitSettings(CircuitStack.Settings.defaults().withListener(metrics.circuitListener())).build();
            PoolAdmin admin = PoolOptions.admin(tors, router, settings, poolDir, net.clientTorrc());
            LiveConfig live = new LiveConfig(loader, settings, router, ExitDirectory.countries(nodes));
            GatewayConfig config = live.gatewayConfig(metrics.gatewayListener());
            Gateway gw = fg.startGateway(config);
            ConfigReloader reloader = live.started(gw, PoolOptions.resizer(admin));
            String endpoint = Foreground.hostPort(gw.address());
            out.println("torgate listening on " + endpoint + " (SOCKS5 and HTTP CONNECT), upstream tor-pool on the"
                    + " private testnet");
            api.start(fg, ControlPlane.builder().upstream("tor-pool (testnet)").metrics(metrics)
                    .gateway(gw, config, live.router())
                    .pool(admin)
                    .directory(nodes)
                    .sessions(new RouterSessions(router.sessions()))
                    .reloader(reloader::reload), settings.api());
            out.println();
            out.println("Try it (the answer names the exit relay that carried the request):");
            out.println("  curl --socks5-hostname " + endpoint + " -U 'alice-session-demo:x' " + net.whoamiUrl());
            out.println("  curl -p -x http://bob:x@" + endpoint + " " + net.whoamiUrl());
            if (onion != null) {
                out.println("  curl --socks5-hostname " + endpoint + " -U 'alice:x' " + onion.url()
                        + "   (the network's onion service)");
            }
            out.println("Onionoo document of the network: " + net.onionooUrl() + "/details");
            out.println("Ctrl-C stops everything.");
            out.flush();
            return fg.serveUntilSignal(gw, settings.limits().shutdownGrace());
        } catch (Foreground.GatewayStartFailed e) {
            return e.exitCode();
        }
    }

    /** What the network does on purpose so tor's path rules can be seen at work (see the README). */
    private static void printPathRuleCases(PrintWriter out, TestNetwork net) {
        net.sameSubnetPair().ifPresent(p -> out.println("Same /16 on purpose: " + p.middle().nickname() + " "
                + p.middle().address() + " and " + p.exit().nickname() + " " + p.exit().address()));
        net.familyPair().ifPresent(p -> out.println("One family (MyFamily) on purpose: " + p.middle().nickname()
                + " and " + p.exit().nickname()));
        net.rejectingExit().ifPresent(x -> out.println("Exit policy: " + x.nickname() + " rejects port "
                + net.rejectedPort() + " (whoami there too: " + net.rejectedPortUrl() + ")"));
    }

    /**
     * A warning when an Onionoo URL is configured (TORGATE_ONIONOO_URL, or the file): the testnet's relays are in
     * no real Onionoo, so its directory always reads the document the testnet serves itself. Said once, on
     * stderr, rather than ignored silently.
     */
    static Optional<String> ignoredOnionooUrl(TorgateConfig settings) {
        URI url = settings.directory().onionooUrl();
        if (url.equals(TorgateConfig.DEFAULT_ONIONOO_URL)) {
            return Optional.empty();
        }
        return Optional.of("TORGATE_ONIONOO_URL / directory.onionoo_url (" + url + ") is ignored: the testnet's"
                + " node directory lists the testnet's own relays, from the Onionoo document the testnet serves"
                + " (its URL is printed once the network is up)");
    }

    /**
     * The node directory of the private network (its own Onionoo stand-in), loaded before the gateway starts so
     * pinned exits can be checked against users' allowed countries from the first connection. The configured
     * refresh interval applies; the configured Onionoo URL does not ({@link #ignoredOnionooUrl}).
     */
    private static NodeDirectory testnetDirectory(Foreground fg, TestNetwork net, Path dir, DirectorySettings configured) {
        DirectorySettings settings = new DirectorySettings(net.onionooUrl(), configured.refreshInterval());
        NodeDirectory directory = ExitDirectory.open(fg, settings, dir);
        if (directory != null) {
            try {
                directory.refreshNow().get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.warn("the testnet's node directory did not load: {}", rootMessage(e));
            }
        }
        return directory;
    }

    /** The network's options; a combination the network refuses (too many relays, a bad code) is a usage error. */
    TestNetwork.Options networkOptions(Path dir, TorgateConfig settings, PrintWriter out) {
        try {
            TestNetwork.Options.Builder b = TestNetwork.Options.builder()
                    .stateDir(dir)
                    .exits(exits)
                    .progress(line -> {
                        out.println("  testnet: " + line);
                        out.flush();
                    });
            if (exitCountries != null && !exitCountries.isEmpty()) {
                b.exitCountries(exitCountries);
            }
            settings.pool().torPath().ifPresent(b::torPath);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid testnet: " + e.getMessage());
        }
    }

    private static String seconds(long since) {
        return String.format("%.1f s", (System.nanoTime() - since) / 1e9);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return Optional.ofNullable(t.getMessage()).orElse(t.toString());
    }

}
