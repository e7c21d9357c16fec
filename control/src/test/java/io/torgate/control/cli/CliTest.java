package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.control.Upstream;
import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.TorgateConfig;
import io.torgate.control.policy.PolicyRouter;
import io.torgate.control.policy.RelayCountries;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Router;
import io.torgate.torpool.process.Torrc;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Parsing and exit statuses of the command line, in process (nothing here starts a gateway). */
class CliTest {

    private static final Router NO_ROUTER = request -> CompletableFuture.failedFuture(new AssertionError("unused"));

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        return Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private static RunCommand parseRun(String... args) {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(args);
        run.config.env = Map.of(); // the real environment must not leak into these tests
        return run;
    }

    /** The gateway config a run with these flags would start, routing through the policy to {@link #NO_ROUTER}. */
    private static GatewayConfig gatewayConfig(RunCommand run) throws Exception {
        ConfigLoader loader = run.loader();
        return new LiveConfig(loader, loader.load(), NO_ROUTER, RelayCountries.UNKNOWN).gatewayConfig();
    }

    @Test
    void runHelpListsEveryFlagWithItsDefaultAndExitsZero() {
        assertThat(execute("run", "--help")).isEqualTo(ExitCodes.OK);
        String help = out.toString();
        for (String flag : List.of("--upstream=UPSTREAM", "--socks=HOST:PORT", "--users=FILE",
                "--handshake-timeout=DURATION", "--connect-timeout=DURATION", "--idle-timeout=DURATION",
                "--max-tunnels=N", "--max-tunnels-per-user=N", "--write-buffer-low=BYTES",
                "--write-buffer-high=BYTES", "--io-threads=N", "--no-native-transport", "--shutdown-grace=DURATION",
                "--log-destinations", "--debug", "--help")) {
            assertThat(help).contains(flag);
        }
        for (String shownDefault : List.of("Default: tor-pool", "Default: 127.0.0.1:1080", "Default: 10s",
                "Default: 60s", "Default: 5m", "Default: 20000", "Default: 65536", "Default: 262144", "Default: 5s")) {
            assertThat(help).contains(shownDefault);
        }
        assertThat(help).contains("Exit status: 0 clean stop, 1 runtime failure");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void topLevelHelpListsTheRunCommand() {
        assertThat(execute("--help")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("Usage: torgate").contains("run");
        assertThat(execute("help", "run")).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("Usage: torgate run");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(execute()).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("Missing command: run, testnet, hash-password, status, rotate, nodes, check, help")
                .contains("Try 'torgate --help'");
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertThat(execute("start")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("'start'");
    }

    @Test
    void defaultsAreGatewayConfigDefaults() throws Exception {
        GatewayConfig fromCli = gatewayConfig(parseRun());
        GatewayConfig defaults = GatewayConfig.builder().router(NO_ROUTER).build();
        assertThat(fromCli.listen()).isEqualTo(defaults.listen());
        assertThat(fromCli.handshakeTimeout()).isEqualTo(defaults.handshakeTimeout());
        assertThat(fromCli.connectTimeout()).isEqualTo(defaults.connectTimeout());
        assertThat(fromCli.idleTimeout()).isEqualTo(defaults.idleTimeout());
        assertThat(fromCli.maxTunnels()).isEqualTo(defaults.maxTunnels());
        assertThat(fromCli.maxTunnelsPerUser()).isEqualTo(defaults.maxTunnelsPerUser());
        assertThat(fromCli.writeBufferLowWaterMark()).isEqualTo(defaults.writeBufferLowWaterMark());
        assertThat(fromCli.writeBufferHighWaterMark()).isEqualTo(defaults.writeBufferHighWaterMark());
        assertThat(fromCli.ioThreads()).isEqualTo(defaults.ioThreads());
        assertThat(fromCli.nativeTransport()).isEqualTo(defaults.nativeTransport());
        assertThat(fromCli.logDestinations()).isEqualTo(defaults.logDestinations());
        assertThat(fromCli.authenticator().usersConfigured()).isFalse();
        assertThat(((PolicyRouter) fromCli.router()).inner()).isSameAs(NO_ROUTER);
        RunCommand run = parseRun();
        TorgateConfig settings = run.loader().load();
        assertThat(settings.upstream()).isEqualTo(new Upstream.TorPool());
        assertThat(settings.pool().instances()).isEqualTo(2);
        assertThat(settings.pool().bootstrapTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(settings.limits().shutdownGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.logging().debug()).isFalse();
        assertThat(run.upstream).isEqualTo(new Upstream.TorPool());
        assertThat(run.gateway.usersFile).isNull();
        assertThat(run.gateway.shutdownGrace).isEqualTo(Duration.ofSeconds(5));
        assertThat(run.gateway.debug).isFalse();
    }

    @Test
    void everyFlagReachesTheConfig(@TempDir Path dir) throws Exception {
        Path users = java.nio.file.Files.writeString(dir.resolve("users.yaml"), "users:\n  alice:\n    password: pw\n");
        Path tor = dir.resolve("my-tor");
        RunCommand run = parseRun("--upstream", "socks5://127.0.0.1:9050", "--socks", "127.0.0.2:0",
                "--users", users.toString(), "--handshake-timeout", "500ms", "--connect-timeout", "2m",
                "--idle-timeout", "1h", "--max-tunnels", "7", "--max-tunnels-per-user", "3",
                "--write-buffer-low", "1024", "--write-buffer-high", "4096", "--io-threads", "2",
                "--no-native-transport", "--shutdown-grace", "250ms", "--log-destinations", "--debug",
                "--instances", "3", "--tor-path", tor.toString(), "--state-dir", dir.toString(),
                "--bootstrap-timeout", "2m");
        GatewayConfig c = gatewayConfig(run);
        TorgateConfig settings = run.loader().load();
        assertThat(settings.upstream()).isEqualTo(new Upstream.Socks5("127.0.0.1", 9050));
        assertThat(run.gateway.usersFile).isEqualTo(users);
        assertThat(c.authenticator().authenticate("alice", "pw")).isTrue();
        assertThat(settings.pool().instances()).isEqualTo(3);
        assertThat(settings.pool().torPath()).contains(tor);
        assertThat(settings.pool().stateDir()).isEqualTo(dir.toAbsolutePath());
        assertThat(settings.pool().bootstrapTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(settings.limits().shutdownGrace()).isEqualTo(Duration.ofMillis(250));
        assertThat(settings.logging().debug()).isTrue();
        assertThat(c.listen()).isEqualTo(new InetSocketAddress("127.0.0.2", 0));
        assertThat(((PolicyRouter) c.router()).inner()).isSameAs(NO_ROUTER);
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(c.maxTunnels()).isEqualTo(7);
        assertThat(c.maxTunnelsPerUser()).isEqualTo(3);
        assertThat(c.writeBufferLowWaterMark()).isEqualTo(1024);
        assertThat(c.writeBufferHighWaterMark()).isEqualTo(4096);
        assertThat(c.ioThreads()).isEqualTo(2);
        assertThat(c.nativeTransport()).isFalse();
        assertThat(c.logDestinations()).isTrue();
        assertThat(run.gateway.shutdownGrace).isEqualTo(Duration.ofMillis(250));
        assertThat(run.gateway.debug).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
            "[::1]:1080,     ::1,       1080",
            "localhost:0,    127.0.0.1, 0",
            "0.0.0.0:65535,  0.0.0.0,   65535",
    })
    void listenAddresses(String value, String host, int port) {
        InetSocketAddress a = parseRun("--socks", value).gateway.listen;
        assertThat(a.getAddress().getHostAddress()).isIn(host, "0:0:0:0:0:0:0:1");
        assertThat(a.getPort()).isEqualTo(port);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--upstream | ftp://x     | Invalid value for option '--upstream': 'ftp://x' is not an upstream; use tor-pool, direct or socks5://HOST:PORT",
            "--upstream | socks5://h  | Invalid value for option '--upstream': 'socks5://h' needs a host and a port",
            "--socks    | 127.0.0.1   | Invalid value for option '--socks': '127.0.0.1' is not HOST:PORT",
            "--socks    | :1080       | Invalid value for option '--socks': ':1080' is not HOST:PORT",
            "--socks    | ::1:1080    | Invalid value for option '--socks': '::1:1080' is not HOST:PORT",
            "--socks    | [::1]1080   | Invalid value for option '--socks': '[::1]1080' is not HOST:PORT",
            "--socks    | h:port      | Invalid value for option '--socks': 'h:port' has port 'port', not a number",
            "--socks    | h:65536     | Invalid value for option '--socks': 'h:65536' has port 65536, outside 0-65535",
            "--socks    | no.such.host.invalid:1 | Invalid value for option '--socks': 'no.such.host.invalid:1' names an unknown host",
            "--handshake-timeout | 10 | Invalid value for option '--handshake-timeout': '10' is not a duration",
            "--connect-timeout   | 0s | Invalid value for option '--connect-timeout': '0s' must be more than zero",
            "--idle-timeout      | 5min | Invalid value for option '--idle-timeout': '5min' is not a duration",
            "--idle-timeout      | -5m  | Invalid value for option '--idle-timeout': '-5m' is not a duration",
            "--shutdown-grace    | 1d   | Invalid value for option '--shutdown-grace': '1d' is not a duration",
            "--max-tunnels          | -1  | Invalid value for option '--max-tunnels': '-1' must be 0 or more",
            "--max-tunnels          | lots | Invalid value for option '--max-tunnels': 'lots' is not a whole number",
            "--max-tunnels-per-user | 1.5 | Invalid value for option '--max-tunnels-per-user': '1.5' is not a whole number",
            "--io-threads           | -2  | Invalid value for option '--io-threads': '-2' must be 0 or more",
            "--write-buffer-low     | x   | Invalid value for option '--write-buffer-low': 'x' is not a whole number",
            "--write-buffer-high    | 99999999999 | Invalid value for option '--write-buffer-high': '99999999999' is not a whole number",
    })
    void badValueExitsTwoNamingFlagAndValue(String flag, String value, String message) {
        assertThat(execute("run", flag, value)).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains(message).contains("Try 'torgate run --help'");
        assertThat(out.toString()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"9, 8", "0, 8", "8, 0"})
    void waterMarksOutOfOrderExitTwo(String low, String high) {
        assertThat(execute("run", "--write-buffer-low", low, "--write-buffer-high", high))
                .isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("Invalid values for --write-buffer-low " + low
                + " and --write-buffer-high " + high + ": need 0 < low <= high");
    }

    @Test
    void logDestinationsAlsoLetsTorsOwnWordsThroughInThePool(@TempDir Path dir) throws Exception {
        TorgateConfig scrubbed = parseRun().loader().load();
        TorgateConfig shown = parseRun("--log-destinations").loader().load();
        assertThat(PoolOptions.instanceConfig(scrubbed, "tor-0", dir, new Torrc()).logDestinations()).isFalse();
        assertThat(PoolOptions.instanceConfig(shown, "tor-0", dir, new Torrc()).logDestinations()).isTrue();
    }

    @Test
    void misspelledFlagGetsASuggestion() {
        assertThat(execute("run", "--idle-timout", "5m")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("Unknown options: '--idle-timout'").contains("--idle-timeout");
    }

    @Test
    void missingFlagValueExitsTwo() {
        assertThat(execute("run", "--socks")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("Missing required parameter for option '--socks'");
    }

    @Test
    void missingUsersFileExitsTwoNamingTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("users.yaml");
        assertThat(execute("run", "--users", missing.toString())).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("torgate run: users file " + missing + ": no such file");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void badUsersFileExitsTwoNamingFileAndKey(@TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("users.yaml"), "users:\n  alice: {}\n");
        assertThat(execute("run", "--users", file.toString())).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("users file " + file + ": users.alice.password: missing");
    }

    @Test
    void flagsBeatEnvironmentVariablesWhichBeatTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("torgate.yaml"),
                "limits: {max_tunnels: 5, idle_timeout: 1m}\nupstream: direct\n");
        RunCommand fileOnly = parseRun("--config", file.toString());
        assertThat(fileOnly.loader().load().limits().maxTunnels()).isEqualTo(5);
        assertThat(fileOnly.loader().load().upstream()).isEqualTo(new Upstream.Direct());

        RunCommand withEnv = parseRun("--config", file.toString());
        withEnv.config.env = Map.of("TORGATE_MAX_TUNNELS", "6", "TORGATE_IDLE_TIMEOUT", "2m");
        assertThat(withEnv.loader().load().limits().maxTunnels()).isEqualTo(6);

        RunCommand withFlag = parseRun("--config", file.toString(), "--max-tunnels", "7", "--upstream", "tor-pool");
        withFlag.config.env = Map.of("TORGATE_MAX_TUNNELS", "6", "TORGATE_IDLE_TIMEOUT", "2m");
        TorgateConfig c = withFlag.loader().load();
        assertThat(c.limits().maxTunnels()).isEqualTo(7);
        assertThat(c.limits().idleTimeout()).as("no flag given: the environment's").isEqualTo(Duration.ofMinutes(2));
        assertThat(c.upstream()).isEqualTo(new Upstream.TorPool());

        // A flag left at its default does not override: --max-tunnels defaults to 20000 but the file's 5 stays.
        assertThat(parseRun("--config", file.toString(), "--debug").loader().load().limits().maxTunnels()).isEqualTo(5);
    }

    @Test
    void testnetSaysOnceThatItIgnoresAConfiguredOnionooUrl(@TempDir Path dir) throws Exception {
        // No tor there: the network fails at once, after the notice.
        List<String> testnet = List.of("testnet", "--tor-path", dir.resolve("no-tor").toString(), "--state-dir",
                dir.toString());
        String notice = "torgate testnet: TORGATE_ONIONOO_URL / directory.onionoo_url (http://127.0.0.1:9/onionoo)"
                + " is ignored: the testnet's node directory lists the testnet's own relays";

        InProcessCli cli = new InProcessCli().env(Map.of("TORGATE_ONIONOO_URL", "http://127.0.0.1:9/onionoo"));
        assertThat(cli.run(testnet.toArray(String[]::new))).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(cli.err()).contains(notice).contains("the private network did not start");
        assertThat(cli.err().split(java.util.regex.Pattern.quote(notice), -1)).as("said once").hasSize(2);

        Path file = java.nio.file.Files.writeString(dir.resolve("torgate.yaml"),
                "directory: {onionoo_url: 'http://127.0.0.1:9/onionoo'}\n");
        List<String> withFile = new java.util.ArrayList<>(testnet);
        withFile.addAll(List.of("--config", file.toString()));
        cli = new InProcessCli();
        assertThat(cli.run(withFile.toArray(String[]::new))).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(cli.err()).contains(notice);

        cli = new InProcessCli();
        assertThat(cli.run(testnet.toArray(String[]::new))).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(cli.err()).as("nothing to ignore").doesNotContain("is ignored")
                .contains("the private network did not start");
    }

    @Test
    void aBadConfigFileExitsTwoNamingFileKeyAndReason(@TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("torgate.yaml"),
                "users:\n  alice:\n    password: pw\n    allowed_countries: [de, xx]\n");
        assertThat(execute("run", "--config", file.toString())).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("torgate run: config file " + file
                + ": users.alice.allowed_countries[1]: 'xx' is not an ISO 3166-1 alpha-2 country code");
        assertThat(out.toString()).isEmpty();
        assertThat(execute("testnet", "--config", dir.resolve("missing.yaml").toString()))
                .isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("torgate testnet: config file " + dir.resolve("missing.yaml") + ": no such file");
    }
}
