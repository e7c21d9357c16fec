package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The control API as the CLI serves it: {@code --api}, {@code --api-token} / {@code TORGATE_API_TOKEN}, the
 * refusal of an open API (exit 2, naming why), the token never printed.
 */
class ApiCliTest {

    private static final Duration START = Duration.ofSeconds(30);
    private static final String TOKEN = "cli-token-0123456789abcdef";

    private final HttpClient http = HttpClient.newHttpClient();
    private TorgateProcess torgate;

    @AfterEach
    void stop() throws Exception {
        if (torgate != null) {
            torgate.close();
        }
    }

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theApiServesOnLoopbackAndEnforcesTheTokenFromTheEnvironment() throws Exception {
        torgate = TorgateProcess.start(Map.of("TORGATE_API_TOKEN", TOKEN),
                "run", "--upstream", "direct", "--socks", "127.0.0.1:0", "--api", "127.0.0.1:0");
        torgate.awaitListeningPort(START);
        int api = torgate.awaitApiPort(START);
        assertThat(torgate.stdout()).contains("torgate API on http://127.0.0.1:" + api + " (bearer token required)");

        assertThat(get(api, "/health", null).statusCode()).isEqualTo(401);
        assertThat(get(api, "/health", "wrong-token-0123456789").statusCode()).isEqualTo(401);
        HttpResponse<String> health = get(api, "/health", TOKEN);
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> status = get(api, "/status", TOKEN);
        assertThat(status.body()).contains("\"upstream\":\"direct\"", "\"pool\":null");
        HttpResponse<String> metrics = get(api, "/metrics", TOKEN);
        assertThat(metrics.body()).contains("torgate_connections_accepted_total");

        torgate.terminate();
        assertThat(torgate.awaitExit(START)).isZero();
        assertThat(torgate.stdout() + torgate.stderr()).doesNotContain(TOKEN);
    }

    @Test
    void withoutATokenOnANonLoopbackAddressItRefusesToStart() throws Exception {
        torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "127.0.0.1:0", "--api", "0.0.0.0:0");
        assertThat(torgate.awaitExit(START)).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(torgate.stderr()).contains("option --api: api.token: required when api.listen (0.0.0.0:0) is not"
                + " a loopback address", "TORGATE_API_TOKEN");
        assertThat(torgate.stdout()).as("nothing started").doesNotContain("torgate listening");
    }

    @Test
    void aShortTokenIsRefusedWithoutPrintingIt() throws Exception {
        torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "127.0.0.1:0",
                "--api-token", "hunter2");
        assertThat(torgate.awaitExit(START)).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(torgate.stderr()).contains("--api-token", "at least 16 characters").doesNotContain("hunter2");
    }

    @Test
    void apiOffServesNoApi() throws Exception {
        torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "127.0.0.1:0", "--api", "off");
        torgate.awaitListeningPort(START);
        torgate.terminate();
        assertThat(torgate.awaitExit(START)).isZero();
        assertThat(torgate.stdout()).doesNotContain("torgate API on");
    }

    @Test
    void theFlagsParseAndABadAddressIsNamed() {
        RunCommand off = new RunCommand();
        new CommandLine(off).parseArgs("--api", "off");
        assertThat(off.api.enabled()).isFalse();
        RunCommand on = new RunCommand();
        new CommandLine(on).parseArgs();
        assertThat(on.api.listen.getPort()).isEqualTo(8080);
        assertThat(on.api.listen.getAddress().isLoopbackAddress()).isTrue();

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.execute(new String[] {"testnet", "--api", "localhost"}, new PrintWriter(out, true),
                new PrintWriter(err, true));
        assertThat(code).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(err.toString()).contains("Invalid value for option '--api': 'localhost' is not HOST:PORT");
    }

    @Test
    void helpListsTheApiFlagsButNeverATokenValue() {
        StringWriter out = new StringWriter();
        Cli.execute(new String[] {"run", "--help"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        assertThat(out.toString()).contains("--api=HOST:PORT", "--api-token=TOKEN", "TORGATE_API_TOKEN")
                .contains("Default: 127.0.0.1:8080");
    }
}
