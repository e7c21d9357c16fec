package io.torgate.control.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.control.policy.PolicyRouter;
import io.torgate.control.policy.RelayCountries;
import io.torgate.control.users.LiveUsers;
import io.torgate.gateway.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigReloaderTest {

    private static final String V1 = """
            listen: {socks: "127.0.0.1:0"}
            users:
              alice: {password: a1}
              bob: {password: b1, allowed_countries: [de]}
            limits: {max_tunnels: 100, max_tunnels_per_user: 0, idle_timeout: 5m}
            pool: {instances: 2}
            logging: {debug: false}
            """;

    @TempDir
    Path dir;
    private Path file;
    private ConfigLoader loader;
    private TorgateConfig started;
    private LiveUsers users;
    private PolicyRouter router;
    private final List<String> limits = new ArrayList<>();
    private final List<String> resized = new ArrayList<>();
    private final List<Boolean> debug = new ArrayList<>();
    private ConfigReloader reloader;

    @BeforeEach
    void start() throws Exception {
        file = write(V1);
        loader = ConfigLoader.builder().configFile(file).env(Map.of()).home(dir).build();
        started = loader.load();
        users = new LiveUsers(started.users());
        router = new PolicyRouter(r -> CompletableFuture.completedFuture(Route.direct()), started.policies(),
                RelayCountries.UNKNOWN);
        reloader = ConfigReloader.builder()
                .loader(loader, started)
                .targets(users, router)
                .limits((total, perUser) -> limits.add(total + "/" + perUser))
                .pool((from, to) -> {
                    resized.add(from + "->" + to);
                    return "pool resizing from " + from + " to " + to;
                })
                .debugLogging(debug::add)
                .clock(Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC))
                .build();
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("torgate.yaml"), yaml);
    }

    @Test
    void usersPoliciesLimitsPoolAndDebugChangeLiveTheRestIsReportedForARestart() throws Exception {
        write("""
                listen: {socks: "127.0.0.1:1"}
                users:
                  alice: {password: a2}
                  bob: {password: b1, allowed_countries: [de, nl], max_tunnels: 3}
                  carol: {password: c1}
                limits: {max_tunnels: 200, max_tunnels_per_user: 7, idle_timeout: 1m}
                pool: {instances: 4, extra_torrc: ["NumEntryGuards 2"]}
                logging: {debug: true}
                api: {token: "hunter2hunter2hunter2"}
                """);
        ReloadResult r = reloader.reload();

        assertThat(r.applied()).isTrue();
        assertThat(r.at()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
        assertThat(r.changes()).containsExactlyInAnyOrder(
                "users.alice.password: changed",
                "users.bob: policy changed",
                "users.carol: added",
                "limits.max_tunnels: 100 -> 200",
                "limits.max_tunnels_per_user: 0 -> 7",
                "pool.instances: 2 -> 4",
                "logging.debug: false -> true",
                "pool resizing from 2 to 4");
        assertThat(r.restartNeeded()).containsExactly("listen.socks", "api.token", "limits.idle_timeout",
                "pool.extra_torrc");
        assertThat(r.message()).startsWith("reloaded from " + file + ": 8 change(s); needs a restart to apply:"
                + " listen.socks, api.token, limits.idle_timeout, pool.extra_torrc");
        assertThat(r.toString()).doesNotContain("hunter2").doesNotContain("a2").doesNotContain("c1");

        assertThat(users.authenticate("alice", "a1")).isFalse();
        assertThat(users.authenticate("alice", "a2")).isTrue();
        assertThat(users.authenticate("carol", "c1")).isTrue();
        assertThat(router.policies().forUser("bob").orElseThrow().maxTunnels()).isEqualTo(3);
        assertThat(limits).containsExactly("200/7");
        assertThat(resized).containsExactly("2->4");
        assertThat(debug).containsExactly(true);
        assertThat(reloader.current().limits().maxTunnels()).isEqualTo(200);
        assertThat(reloader.lastResult()).contains(r);

        // A second reload of the same file changes nothing live but still reports what awaits a restart.
        ReloadResult again = reloader.reload();
        assertThat(again.changes()).isEmpty();
        assertThat(again.restartNeeded()).containsExactly("listen.socks", "api.token", "limits.idle_timeout",
                "pool.extra_torrc");
        assertThat(resized).hasSize(1);
        assertThat(debug).hasSize(1);
        assertThat(limits).as("unchanged limits are not set again").hasSize(1);
    }

    @Test
    void aUserRemovedIsReportedAndCanNoLongerLogIn() throws Exception {
        write("users:\n  bob: {password: b1, allowed_countries: [de]}\nlimits: {max_tunnels: 100}\n"
                + "listen: {socks: \"127.0.0.1:0\"}\n");
        ReloadResult r = reloader.reload();
        assertThat(r.changes()).containsExactly("users.alice: removed");
        assertThat(users.authenticate("alice", "a1")).isFalse();
        assertThat(router.policies().forUser("alice")).isEmpty();
    }

    @Test
    void aBadFileKeepsTheRunningConfigAndSaysWhy() throws Exception {
        write(V1.replace("max_tunnels: 100", "max_tunnels: lots").replace("a1", "a2"));
        ReloadResult r = reloader.reload();
        assertThat(r.applied()).isFalse();
        assertThat(r.message()).isEqualTo("reload failed, keeping the running config: config file " + file
                + ": limits.max_tunnels: must be a whole number of 0 or more, found a string");
        assertThat(r.changes()).isEmpty();
        assertThat(users.authenticate("alice", "a1")).isTrue();
        assertThat(users.authenticate("alice", "a2")).isFalse();
        assertThat(limits).isEmpty();
        assertThat(reloader.current()).isSameAs(started);

        Files.delete(file);
        assertThat(reloader.reload().message()).endsWith("config file " + file + ": no such file");
        assertThat(users.authenticate("alice", "a1")).isTrue();
    }

    @Test
    void removingEveryUserBehindAPublicListenerIsRefused() throws Exception {
        write(V1.replace("127.0.0.1:0", "0.0.0.0:0"));
        ConfigLoader publicLoader = ConfigLoader.builder().configFile(file).env(Map.of()).home(dir).build();
        TorgateConfig running = publicLoader.load();
        ConfigReloader publicReloader = ConfigReloader.builder().loader(publicLoader, running)
                .targets(new LiveUsers(running.users()), router).limits((a, b) -> { }).build();
        write("listen: {socks: \"0.0.0.0:0\", no_login: true}\nusers: {}\n");
        ReloadResult r = publicReloader.reload();
        assertThat(r.applied()).isFalse();
        assertThat(r.message()).isEqualTo("reload failed, keeping the running config: " + file + ": users: the new"
                + " config has no users, but listen.socks 0.0.0.0:0 is not a loopback address: anyone who can reach"
                + " it could use the proxy");
    }

    /** An empty file, one cut off before its users, and a public listener without users: all refused. */
    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "listen: {socks: \"127.0.0.1:0\"}\n", "users:\n", "listen: {socks: \"0.0.0.0:1080\"}\n",
            "listen: {socks: \"0.0.0.0:1080\", no_login: true}\n"})
    void aReloadThatWouldDropTheLoginIsRefusedAndTheLoginStaysRequired(String yaml) throws Exception {
        write(yaml);
        ReloadResult r = reloader.reload();
        assertThat(r.applied()).isFalse();
        assertThat(r.message()).startsWith("reload failed, keeping the running config: ").contains(file + ": users");
        assertThat(r.changes()).isEmpty();
        assertThat(users.usersConfigured()).isTrue();
        assertThat(users.authenticate("alice", "a1")).isTrue();
        assertThat(users.authenticate("mallory", "")).isFalse();
        assertThat(reloader.current()).isSameAs(started);
    }

    @Test
    void anEmptyFileSaysItMayBeHalfWrittenAndHowToDropTheLoginOnPurpose() throws Exception {
        write("");
        assertThat(reloader.reload().message()).isEqualTo("reload failed, keeping the running config: " + file
                + ": users: the new config has no users (is the file empty or half-written?), which would stop"
                + " asking for a login; to serve without login on purpose, set users: {} and listen.no_login: true");
    }

    @Test
    void droppingTheLoginOnPurposeTakesUsersEmptyAndNoLogin() throws Exception {
        write("listen: {socks: \"127.0.0.1:0\"}\nusers: {}\n");
        assertThat(reloader.reload().message()).contains("users: no users defined; to serve without login on"
                + " purpose also set listen.no_login: true");
        assertThat(users.usersConfigured()).isTrue();

        write("listen: {socks: \"127.0.0.1:0\", no_login: true}\nusers: {}\n");
        ReloadResult r = reloader.reload();
        assertThat(r.applied()).isTrue();
        assertThat(r.changes()).contains("users.alice: removed", "users.bob: removed",
                "listen.no_login: false -> true");
        assertThat(users.usersConfigured()).isFalse();

        write(V1);
        assertThat(reloader.reload().changes()).contains("users.alice: added", "listen.no_login: true -> false");
        assertThat(users.usersConfigured()).isTrue();
    }

    @Test
    void withoutAPoolResizerTheResizeIsReportedAsNotSupported() throws Exception {
        ConfigReloader plain = ConfigReloader.builder().loader(loader, started).targets(users, router)
                .limits((a, b) -> { }).build();
        write(V1.replace("instances: 2", "instances: 3"));
        assertThat(plain.reload().changes()).contains("pool.instances: 2 -> 3",
                "pool resize to 3 not supported yet; still 2 instance(s)");
    }
}
