package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.ConfigReloader;
import io.torgate.control.config.PoolResizer;
import io.torgate.control.config.ReloadResult;
import io.torgate.control.config.TorgateConfig;
import io.torgate.control.policy.RelayCountries;
import io.torgate.gateway.DirectRouter;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.Socks5TestClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy in front of a real gateway with the direct upstream, configured from a real file: refusals reach
 * the client as SOCKS5 0x02 and HTTP 403 with the reason before the inner router is asked, and a reload under
 * a live tunnel changes who may connect while the tunnel keeps relaying.
 */
class PolicyGatewayTest {

    private static final String CONFIG = """
            listen: {socks: "127.0.0.1:0"}
            users:
              alice: {password: a, allowed_countries: [nl]}
              bob: {password: b, max_tunnels: 1}
            limits: {max_tunnels: 10}
            """;

    @TempDir
    Path dir;
    private Path file;
    private EchoServer echo;
    private final RecordingListener listener = new RecordingListener();
    private Gateway gateway;
    private ConfigReloader reloader;

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer();
        file = Files.writeString(dir.resolve("torgate.yaml"), CONFIG);
        ConfigLoader loader = ConfigLoader.builder().configFile(file).env(Map.of()).home(dir).build();
        TorgateConfig config = loader.load();
        LiveConfig control = new LiveConfig(loader, config, new DirectRouter(), RelayCountries.UNKNOWN);
        gateway = Gateway.start(control.gatewayConfig().toBuilder().listener(listener).build());
        reloader = control.started(gateway, PoolResizer.UNSUPPORTED);
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        echo.close();
    }

    private int connect(String user, String password) throws IOException {
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address()).login(user, password)) {
            return c.connectIp(InetAddress.getLoopbackAddress(), echo.port());
        }
    }

    private Socks5TestClient tunnel(String user, String password) throws IOException {
        Socks5TestClient c = Socks5TestClient.connect(gateway.address()).login(user, password);
        int code = c.connectIp(InetAddress.getLoopbackAddress(), echo.port());
        assertThat(code).as("reply for %s", user).isZero();
        return c;
    }

    private int authStatus(String user, String password) throws IOException {
        try (Socks5TestClient c = Socks5TestClient.connect(gateway.address())) {
            assertThat(c.greet(Socks5TestClient.PASSWORD)).isEqualTo(Socks5TestClient.PASSWORD);
            return c.authenticate(user, password);
        }
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return new String(in.readNBytes(text.length()), StandardCharsets.UTF_8);
    }

    @Test
    void aDisallowedCountryIsRefusedWithSocks02AndHttp403BeforeTheInnerRouter() throws Exception {
        assertThat(connect("alice-country-de", "a")).isEqualTo(0x02);
        assertThat(listener.events()).contains("routingRejected:country_not_allowed:NOT_ALLOWED_BY_RULESET");

        try (Socket http = new Socket(InetAddress.getLoopbackAddress(), gateway.address().getPort())) {
            http.setSoTimeout(10_000);
            RawHttp.send(http, "CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\nProxy-Authorization: "
                    + RawHttp.basic("alice-country-de", "a") + "\r\n\r\n");
            RawHttp.Response response = RawHttp.read(http);
            assertThat(response.status()).isEqualTo(403);
            assertThat(response.body()).contains("country de is not allowed for alice");
            assertThat(response.header("Proxy-Status")).contains("country de is not allowed for alice");
        }
        assertThat(listener.count("routingRejected:country_not_allowed:NOT_ALLOWED_BY_RULESET")).isEqualTo(2);

        // An allowed country passes the policy and reaches the direct router, which cannot choose exits.
        assertThat(connect("alice-country-nl", "a")).isEqualTo(0x02);
        assertThat(listener.events()).contains("routingRejected:exit_selection_unsupported:NOT_ALLOWED_BY_RULESET");
        // No country asked: narrowed to alice's allowed one, so the same happens.
        assertThat(connect("alice", "a")).isEqualTo(0x02);
        assertThat(listener.count("routingRejected:exit_selection_unsupported:NOT_ALLOWED_BY_RULESET")).isEqualTo(2);
    }

    @Test
    void maxTunnelsRefusesTheNextTunnelUntilOneEnds() throws Exception {
        try (Socks5TestClient first = tunnel("bob", "b")) {
            assertThat(roundTrip(first.socket(), "one")).isEqualTo("one");
            assertThat(connect("bob-session-x", "b")).isEqualTo(0x02);
            assertThat(listener.events()).contains("routingRejected:max_tunnels:NOT_ALLOWED_BY_RULESET");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.activeTunnels() == 0);
        try (Socks5TestClient again = tunnel("bob", "b")) {
            assertThat(roundTrip(again.socket(), "two")).isEqualTo("two");
        }
    }

    @Test
    void aReloadUnderALiveTunnelAppliesToNewConnectionsOnly() throws Exception {
        try (Socks5TestClient live = tunnel("bob", "b")) {
            assertThat(roundTrip(live.socket(), "before")).isEqualTo("before");

            Files.writeString(file, """
                    listen: {socks: "127.0.0.1:0"}
                    users:
                      bob: {password: b2, max_tunnels: 3}
                    limits: {max_tunnels: 2}
                    """);
            ReloadResult r = reloader.reload();
            assertThat(r.applied()).as(r.message()).isTrue();
            assertThat(r.changes()).contains("users.alice: removed", "users.bob.password: changed",
                    "limits.max_tunnels: 10 -> 2");

            assertThat(authStatus("bob", "b")).as("the revoked password").isNotZero();
            assertThat(authStatus("alice", "a")).as("the removed user").isNotZero();
            assertThat(roundTrip(live.socket(), "still relaying")).isEqualTo("still relaying");

            try (Socks5TestClient second = tunnel("bob", "b2")) {
                assertThat(roundTrip(second.socket(), "new password")).isEqualTo("new password");
                assertThat(connect("bob", "b2")).as("the gateway's new total limit of 2").isEqualTo(0x01);
                assertThat(listener.events()).contains("limitRejected:total");
            }
            assertThat(roundTrip(live.socket(), "after")).isEqualTo("after");
        }
    }

    @Test
    void aBadFileOnReloadKeepsTheRunningConfig() throws Exception {
        Files.writeString(file, CONFIG.replace("max_tunnels: 1}", "max_tunels: 1}").replace("password: b", "password: b2"));
        ReloadResult r = reloader.reload();
        assertThat(r.applied()).isFalse();
        assertThat(r.message()).contains("config file " + file + ": users.bob.max_tunels: unknown key; did you mean"
                + " max_tunnels?");
        try (Socks5TestClient still = tunnel("bob", "b")) {
            assertThat(roundTrip(still.socket(), "old config")).isEqualTo("old config");
            assertThat(connect("bob", "b")).as("the old max_tunnels of 1 still holds").isEqualTo(0x02);
        }
    }
}
