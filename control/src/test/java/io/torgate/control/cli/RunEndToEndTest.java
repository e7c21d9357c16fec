package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real CLI in a child JVM, driven as a user would: start it, read the bound port from its start-up
 * line, fetch a page from a loopback HTTP server through it with the real curl, stop it with a signal.
 */
class RunEndToEndTest {

    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration STOP = Duration.ofSeconds(30);
    private static final String BODY = LoopbackWebServer.BODY;

    private LoopbackWebServer web;
    private String url;

    @BeforeEach
    void startWebServer() throws Exception {
        web = LoopbackWebServer.start();
        url = web.url();
    }

    @AfterEach
    void stopWebServer() {
        web.close();
    }

    @Test
    void socks5AndHttpConnectThroughDirectUpstreamThenSigtermExitsZero() throws Exception {
        try (TorgateProcess torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "127.0.0.1:0")) {
            int port = torgate.awaitListeningPort(START);
            assertThat(torgate.stdout()).contains("upstream direct");

            Curl.Result socks = Curl.run("--socks5-hostname", "127.0.0.1:" + port, url);
            assertThat(socks.exitCode()).as(socks.stderr()).isZero();
            assertThat(socks.body()).isEqualTo(BODY);

            Curl.Result http = Curl.run("-p", "-x", "http://127.0.0.1:" + port, url);
            assertThat(http.exitCode()).as(http.stderr()).isZero();
            assertThat(http.body()).isEqualTo(BODY);

            torgate.terminate();
            assertThat(torgate.awaitExit(STOP)).as(torgate.stderr()).isZero();
            assertThat(torgate.stderr()).contains("SIGTERM: stopping").doesNotContain("ERROR").doesNotContain("LEAK");
        }
    }

    @Test
    void usersFileIsEnforcedAndSigintExitsZero(@TempDir Path dir) throws Exception {
        Path users = Files.writeString(dir.resolve("users.yaml"), "users:\n  alice:\n    password: s3cret\n");
        try (TorgateProcess torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "127.0.0.1:0",
                "--users", users.toString())) {
            int port = torgate.awaitListeningPort(START);

            Curl.Result good = Curl.run("--socks5-hostname", "127.0.0.1:" + port, "-U", "alice-session-x7k2:s3cret",
                    url);
            assertThat(good.exitCode()).as(good.stderr()).isZero();
            assertThat(good.body()).isEqualTo(BODY);

            Curl.Result goodHttp = Curl.run("-p", "-x", "http://alice:s3cret@127.0.0.1:" + port, url);
            assertThat(goodHttp.exitCode()).as(goodHttp.stderr()).isZero();
            assertThat(goodHttp.body()).isEqualTo(BODY);

            Curl.Result wrong = Curl.run("--socks5-hostname", "127.0.0.1:" + port, "-U", "alice:nope", url);
            assertThat(wrong.exitCode()).isNotZero();
            assertThat(wrong.body()).doesNotContain(BODY);

            Curl.Result none = Curl.run("--socks5-hostname", "127.0.0.1:" + port, url);
            assertThat(none.exitCode()).isNotZero();
            assertThat(none.body()).doesNotContain(BODY);

            torgate.interrupt();
            assertThat(torgate.awaitExit(STOP)).as(torgate.stderr()).isZero();
            assertThat(torgate.stderr()).contains("SIGINT: stopping").doesNotContain("s3cret").doesNotContain("LEAK");
        }
    }

    @Test
    void aSecondSignalWhileDrainingStopsAtOnce() throws Exception {
        try (TorgateProcess torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "127.0.0.1:0", "--shutdown-grace", "1h")) {
            int port = torgate.awaitListeningPort(START);
            CompletableFuture<Curl.Result> busy = CompletableFuture.supplyAsync(() -> {
                try {
                    return Curl.run("--socks5-hostname", "127.0.0.1:" + port, web.holdUrl());
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            assertThat(web.awaitHolding(Duration.ofSeconds(30))).as("the tunnel reached the web server").isTrue();

            torgate.terminate();
            await().atMost(STOP).until(() -> torgate.stderr().contains("SIGTERM: stopping"));
            assertThat(torgate.isAlive()).as("still draining the live tunnel").isTrue();

            torgate.terminate();
            assertThat(torgate.awaitExit(STOP)).isEqualTo(128 + 15);
            assertThat(busy.get(30, TimeUnit.SECONDS).exitCode()).as("the cut tunnel fails in curl").isNotZero();
        }
    }

    @Test
    void addressInUseIsARuntimeFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             TorgateProcess torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "127.0.0.1:" + taken.getLocalPort())) {
            assertThat(torgate.awaitExit(START)).isEqualTo(ExitCodes.RUNTIME_FAILURE);
            assertThat(torgate.stderr()).contains("torgate run: ").contains(Integer.toString(taken.getLocalPort()));
            assertThat(torgate.stdout()).doesNotContain("listening");
        }
    }

    @Test
    void publicListenerWithoutUsersIsRefusedAsAConfigError() throws Exception {
        try (TorgateProcess torgate = TorgateProcess.start("run", "--upstream", "direct", "--socks", "0.0.0.0:0")) {
            assertThat(torgate.awaitExit(START)).isEqualTo(ExitCodes.CONFIG_ERROR);
            assertThat(torgate.stderr()).contains("torgate run: ");
            assertThat(torgate.stdout()).doesNotContain("listening");
        }
    }

    @Test
    void aMissingTorIsAClearRuntimeFailureForTheTorPool(@TempDir Path dir) throws Exception {
        Path noTor = dir.resolve("no-such-tor");
        try (TorgateProcess torgate = TorgateProcess.start("run", "--socks", "127.0.0.1:0",
                "--tor-path", noTor.toString(), "--state-dir", dir.resolve("state").toString())) {
            assertThat(torgate.awaitExit(START)).isEqualTo(ExitCodes.RUNTIME_FAILURE);
            assertThat(torgate.stderr()).contains("tor not found at " + noTor).contains("apt-get install tor");
        }
    }

    @Test
    void testnetWithAMissingTorSaysSoAndExitsOne(@TempDir Path dir) throws Exception {
        Path noTor = dir.resolve("no-such-tor");
        try (TorgateProcess torgate = TorgateProcess.start("testnet", "--socks", "127.0.0.1:0",
                "--tor-path", noTor.toString(), "--state-dir", dir.resolve("state").toString())) {
            assertThat(torgate.awaitExit(START)).isEqualTo(ExitCodes.RUNTIME_FAILURE);
            assertThat(torgate.stderr()).contains("the private network did not start").contains(noTor.toString())
                    .contains("apt-get install tor");
        }
    }
}
