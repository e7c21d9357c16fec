package io.torgate.control.cli;

import io.torgate.control.Upstream;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.Router;
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

    @Option(names = "--upstream", paramLabel = "UPSTREAM", defaultValue = "direct", converter = UpstreamConverter.class,
            description = "Where tunnels go: 'direct' (dial each destination from this host; no anonymity) or"
                    + " 'socks5://HOST:PORT' (chain through a SOCKS5 server such as a Tor SocksPort).")
    Upstream upstream;

    @Mixin
    GatewayOptions gateway;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() throws Exception {
        if (gateway.debug) {
            Logging.enableDebug();
        }
        gateway.checkFlagCombinations();
        try (Foreground fg = new Foreground(spec)) {
            Router router = router();
            Gateway gw = fg.startGateway(gateway.gatewayConfig(router, gateway.authenticator()));
            fg.out().println("torgate listening on " + Foreground.hostPort(gw.address())
                    + " (SOCKS5 and HTTP CONNECT), upstream " + upstream.describe());
            fg.out().flush();
            return fg.serveUntilSignal(gw, gateway.shutdownGrace);
        } catch (Foreground.GatewayStartFailed e) {
            return e.exitCode();
        }
    }

    private Router router() {
        try {
            return upstream.router();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
