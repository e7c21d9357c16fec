package io.torgate.control.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.torgate.control.Upstream;
import io.torgate.control.policy.UserPolicy;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Mode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    /** The example shipped in the repository (tests run in the control module's directory). */
    static final Path EXAMPLE = Path.of("..", "config", "torgate.example.yaml").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("torgate.yaml"), yaml);
    }

    private ConfigLoader.Builder loader(Path file, Map<String, String> env) {
        return ConfigLoader.builder().configFile(file).env(env).home(dir);
    }

    private TorgateConfig load(Path file) throws ConfigException {
        return loader(file, Map.of()).build().load();
    }

    @Test
    void theExampleFileLoadsAndEveryValueReachesTheConfig() throws Exception {
        TorgateConfig c = load(EXAMPLE);
        assertThat(c.upstream()).isEqualTo(new Upstream.TorPool());
        assertThat(c.socks()).isEqualTo(new InetSocketAddress("127.0.0.1", 1080));
        assertThat(c.api().listen()).contains(new InetSocketAddress("127.0.0.1", 9180));
        assertThat(c.api().token()).contains("0123456789abcdef-replace-me");
        assertThat(c.api().toString()).doesNotContain("replace-me");
        assertThat(c.users().names()).containsExactly("alice", "bob", "carol");
        assertThat(c.users().authenticate("alice", "alice-example-password")).isTrue();
        assertThat(c.users().authenticate("bob", "bob-dev-password")).isTrue();
        UserPolicy alice = c.policies().forUser("alice").orElseThrow();
        assertThat(alice.allowedCountries()).contains(List.of("de", "nl", "ch"));
        assertThat(alice.defaults().countries()).containsExactly("de");
        assertThat(alice.defaults().mode()).contains(Mode.STRICT);
        assertThat(alice.defaults().ttl()).contains(Duration.ofMinutes(30));
        assertThat(alice.maxSessions()).isEqualTo(10);
        assertThat(alice.maxTunnels()).isEqualTo(100);
        UserPolicy bob = c.policies().forUser("bob").orElseThrow();
        assertThat(bob.allowedCountries()).isEmpty();
        assertThat(bob.defaults().excluded()).containsExactly("us");
        assertThat(bob.defaults().rotateEach()).isTrue();
        assertThat(c.policies().forUser("carol").orElseThrow().defaults().exitFingerprint())
                .contains("0123456789ABCDEF0123456789ABCDEF01234567");
        assertThat(c.pool().instances()).isEqualTo(2);
        assertThat(c.pool().maxInstances()).isEqualTo(32);
        assertThat(c.pool().torPath()).contains(Path.of("/usr/bin/tor"));
        assertThat(c.pool().stateDir()).isEqualTo(Path.of("/var/lib/torgate"));
        assertThat(c.pool().bootstrapTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.pool().extraTorrc()).isEmpty();
        assertThat(c.directory().onionooUrl()).isEqualTo(URI.create("https://onionoo.torproject.org"));
        assertThat(c.directory().refreshInterval()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.logging()).isEqualTo(new LoggingSettings(false, false));
        // The example's limits are the gateway's defaults.
        GatewayConfig fromExample = c.limits().applyTo(GatewayConfig.builder().router(r -> null)).build();
        assertSameLimits(fromExample, GatewayConfig.builder().router(r -> null).build());
        assertThat(c.limits().shutdownGrace()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void theExampleFileHasEveryKeyAndEveryKeyIsCommented() throws Exception {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(EXAMPLE.toFile());
        List<String> paths = new ArrayList<>();
        collect("", root, paths);
        for (Setting s : Setting.ALL) {
            assertThat(paths).as("the example sets %s", s.key()).contains(s.key());
        }
        assertThat(paths).contains(Setting.EXTRA_TORRC);
        for (String key : UsersSection.USER_KEYS) {
            assertThat(paths).as("some user has %s", key).anyMatch(p -> p.matches("users\\.[a-z]+\\." + key + "(\\..*)?"));
        }
        for (String key : UsersSection.DEFAULT_KEYS) {
            assertThat(paths).as("some user has defaults.%s", key).anyMatch(p -> p.matches("users\\.[a-z]+\\.defaults\\." + key));
        }
        List<String> lines = Files.readAllLines(EXAMPLE);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.matches("\\s*[a-z_]+:.*")) {
                assertThat(lines.get(i - 1).trim()).as("a comment above line %d: %s", i + 1, line).startsWith("#");
            }
        }
    }

    private static void collect(String prefix, JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                String p = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                out.add(p);
                collect(p, e.getValue(), out);
            });
        }
    }

    static void assertSameLimits(GatewayConfig a, GatewayConfig b) {
        assertThat(a.handshakeTimeout()).isEqualTo(b.handshakeTimeout());
        assertThat(a.connectTimeout()).isEqualTo(b.connectTimeout());
        assertThat(a.idleTimeout()).isEqualTo(b.idleTimeout());
        assertThat(a.maxTunnels()).isEqualTo(b.maxTunnels());
        assertThat(a.maxTunnelsPerUser()).isEqualTo(b.maxTunnelsPerUser());
        assertThat(a.writeBufferLowWaterMark()).isEqualTo(b.writeBufferLowWaterMark());
        assertThat(a.writeBufferHighWaterMark()).isEqualTo(b.writeBufferHighWaterMark());
        assertThat(a.ioThreads()).isEqualTo(b.ioThreads());
        assertThat(a.nativeTransport()).isEqualTo(b.nativeTransport());
    }

    @Test
    void withNothingConfiguredEverySettingHasItsDefault() throws Exception {
        TorgateConfig c = ConfigLoader.builder().env(Map.of()).home(dir).build().load();
        assertThat(c.upstream()).isEqualTo(new Upstream.TorPool());
        assertThat(c.socks()).isEqualTo(new InetSocketAddress("127.0.0.1", 1080));
        assertThat(c.api().listen()).contains(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(c.api().token()).isEmpty();
        assertThat(c.users().usersConfigured()).isFalse();
        assertThat(c.policies().forUser("anyone")).contains(UserPolicy.UNRESTRICTED);
        assertThat(c.pool().stateDir()).isEqualTo(dir.resolve(".local/state/torgate"));
        assertThat(c.pool().torPath()).isEmpty();
        assertThat(c.directory().onionooUrl()).isEqualTo(URI.create("https://onionoo.torproject.org"));
        assertSameLimits(c.limits().applyTo(GatewayConfig.builder().router(r -> null)).build(),
                GatewayConfig.builder().router(r -> null).build());
        // An empty file (or one of comments) is the same as no file.
        assertThat(load(write("# nothing yet\n")).limits()).isEqualTo(c.limits());
        assertThat(ConfigLoader.builder().env(Map.of("XDG_STATE_HOME", dir.resolve("xdg").toString())).home(dir).build()
                .load().pool().stateDir()).isEqualTo(dir.resolve("xdg/torgate"));
    }

    @Test
    void environmentBeatsFileAndFlagsBeatEnvironment() throws Exception {
        Path file = write("""
                upstream: direct
                listen: {socks: "127.0.0.1:1081"}
                limits: {max_tunnels: 100, idle_timeout: 1m, native_transport: true}
                logging: {debug: false}
                pool: {instances: 3, state_dir: /from/file}
                """);
        assertThat(load(file).limits().maxTunnels()).isEqualTo(100);

        Map<String, String> env = Map.of("TORGATE_MAX_TUNNELS", "200", "TORGATE_IDLE_TIMEOUT", "2m",
                "TORGATE_NATIVE_TRANSPORT", "false", "TORGATE_DEBUG", "true", "TORGATE_UPSTREAM", "socks5://127.0.0.1:9050",
                "TORGATE_STATE_DIR", "/from/env");
        TorgateConfig fromEnv = loader(file, env).build().load();
        assertThat(fromEnv.limits().maxTunnels()).isEqualTo(200);
        assertThat(fromEnv.limits().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(fromEnv.limits().nativeTransport()).isFalse();
        assertThat(fromEnv.logging().debug()).isTrue();
        assertThat(fromEnv.upstream()).isEqualTo(new Upstream.Socks5("127.0.0.1", 9050));
        assertThat(fromEnv.pool().stateDir()).isEqualTo(Path.of("/from/env"));
        assertThat(fromEnv.socks().getPort()).as("not in the environment: the file's").isEqualTo(1081);
        assertThat(fromEnv.pool().instances()).isEqualTo(3);

        TorgateConfig fromFlags = loader(file, env)
                .flag("limits.max_tunnels", 300, "--max-tunnels")
                .flag("upstream", new Upstream.Direct(), "--upstream")
                .flag("pool.state_dir", Path.of("/from/flag"), "--state-dir")
                .build().load();
        assertThat(fromFlags.limits().maxTunnels()).isEqualTo(300);
        assertThat(fromFlags.upstream()).isEqualTo(new Upstream.Direct());
        assertThat(fromFlags.pool().stateDir()).isEqualTo(Path.of("/from/flag"));
        assertThat(fromFlags.limits().idleTimeout()).as("no flag: the environment's").isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void everyEnvironmentVariableReachesItsSetting() throws Exception {
        Map<String, String> env = new HashMap<>();
        Map<String, Object> expected = new HashMap<>();
        put(env, expected, "upstream", "direct", new Upstream.Direct());
        put(env, expected, "listen.socks", "127.0.0.2:0", new InetSocketAddress("127.0.0.2", 0));
        put(env, expected, "listen.no_login", "1", true);
        put(env, expected, "api.listen", "127.0.0.1:0", Optional.of(new InetSocketAddress("127.0.0.1", 0)));
        put(env, expected, "api.token", "t".repeat(20), "t".repeat(20));
        put(env, expected, "pool.instances", "4", 4);
        put(env, expected, "pool.max_instances", "8", 8);
        put(env, expected, "pool.warm_circuits", "5", 5);
        put(env, expected, "pool.tor_path", "/opt/tor", Path.of("/opt/tor"));
        put(env, expected, "pool.state_dir", "/srv/torgate", Path.of("/srv/torgate"));
        put(env, expected, "pool.bootstrap_timeout", "2m", Duration.ofMinutes(2));
        put(env, expected, "directory.onionoo_url", "http://127.0.0.1:9/x", URI.create("http://127.0.0.1:9/x"));
        put(env, expected, "directory.refresh_interval", "1h", Duration.ofHours(1));
        put(env, expected, "limits.handshake_timeout", "3s", Duration.ofSeconds(3));
        put(env, expected, "limits.connect_timeout", "4s", Duration.ofSeconds(4));
        put(env, expected, "limits.idle_timeout", "5s", Duration.ofSeconds(5));
        put(env, expected, "limits.max_tunnels", "6", 6);
        put(env, expected, "limits.max_tunnels_per_user", "7", 7);
        put(env, expected, "limits.write_buffer_low", "1000", 1000);
        put(env, expected, "limits.write_buffer_high", "2000", 2000);
        put(env, expected, "limits.io_threads", "3", 3);
        put(env, expected, "limits.native_transport", "0", false);
        put(env, expected, "limits.shutdown_grace", "250ms", Duration.ofMillis(250));
        put(env, expected, "limits.login_failures", "11", 11);
        put(env, expected, "limits.login_failures_per_user", "0", 0);
        put(env, expected, "limits.login_window", "2m", Duration.ofMinutes(2));
        put(env, expected, "limits.login_cooloff", "30s", Duration.ofSeconds(30));
        put(env, expected, "logging.debug", "yes", true);
        put(env, expected, "logging.log_destinations", "TRUE", true);
        assertThat(expected.keySet()).as("the test covers every setting")
                .containsExactlyInAnyOrderElementsOf(Setting.ALL.stream().map(Setting::key).toList());
        TorgateConfig c = ConfigLoader.builder().env(env).home(dir).build().load();
        for (Setting s : Setting.ALL) {
            assertThat(s.get().apply(c)).as(s.key()).isEqualTo(expected.get(s.key()));
        }
    }

    private static void put(Map<String, String> env, Map<String, Object> expected, String key, String text, Object value) {
        env.put(Setting.byKey(key).orElseThrow().env(), text);
        expected.put(key, value);
    }

    @Test
    void anEmptyVariableIsUnsetAndTheConfigFileMayComeFromTheEnvironment() throws Exception {
        Path file = write("limits: {max_tunnels: 42}\n");
        Map<String, String> env = Map.of("TORGATE_CONFIG", file.toString(), "TORGATE_MAX_TUNNELS", "");
        assertThat(ConfigLoader.builder().env(env).home(dir).build().load().limits().maxTunnels()).isEqualTo(42);
        Path other = Files.writeString(dir.resolve("other.yaml"), "limits: {max_tunnels: 43}\n");
        assertThat(ConfigLoader.builder().configFile(other).env(env).home(dir).build().load().limits().maxTunnels())
                .as("--config wins over TORGATE_CONFIG").isEqualTo(43);
    }

    @Test
    void badEnvironmentValuesNameTheVariableAndTheKey() {
        assertThatThrownBy(() -> ConfigLoader.builder().env(Map.of("TORGATE_MAX_TUNNELS", "lots")).home(dir).build().load())
                .isInstanceOf(ConfigException.class)
                .hasMessage("environment variable TORGATE_MAX_TUNNELS (limits.max_tunnels): 'lots' is not a whole number");
        assertThatThrownBy(() -> ConfigLoader.builder().env(Map.of("TORGATE_WARM_CIRCUITS", "33")).home(dir).build().load())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("environment variable TORGATE_WARM_CIRCUITS (pool.warm_circuits): '33' must be 0 to 32");
        assertThatThrownBy(() -> ConfigLoader.builder().env(Map.of("TORGATE_IDLE_TIMEOUT", "5min")).home(dir).build().load())
                .hasMessageStartingWith("environment variable TORGATE_IDLE_TIMEOUT (limits.idle_timeout): '5min' is not a duration");
        assertThatThrownBy(() -> ConfigLoader.builder().env(Map.of("TORGATE_API_TOKEN", "short-secret")).home(dir).build().load())
                .hasMessage("environment variable TORGATE_API_TOKEN (api.token): the token is 12 characters; at least 16 characters are"
                        + " needed (e.g. openssl rand -hex 32)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short-secret"));
        assertThatThrownBy(() -> ConfigLoader.builder().env(Map.of("TORGATE_DEBUG", "maybe")).home(dir).build().load())
                .hasMessage("environment variable TORGATE_DEBUG (logging.debug): 'maybe' is not true or false");
    }

    @Test
    void valuesThatDisagreeNameWhereTheyCameFrom() throws Exception {
        Path file = write("limits: {write_buffer_low: 300000}\n");
        assertThatThrownBy(() -> load(file))
                .hasMessage("config file " + file + ": limits.write_buffer_low: 300000 is above limits.write_buffer_high"
                        + " 262144; need low <= high");
        assertThatThrownBy(() -> loader(file, Map.of()).flag("limits.write_buffer_low", 400000, "--write-buffer-low")
                .build().load())
                .hasMessageStartingWith("option --write-buffer-low: limits.write_buffer_low: 400000 is above");
        assertThatThrownBy(() -> ConfigLoader.builder().env(Map.of("TORGATE_INSTANCES", "40")).home(dir).build().load())
                .hasMessage("environment variable TORGATE_INSTANCES: pool.instances: 40 is above pool.max_instances 32");
        Path api = write("api: {listen: \"0.0.0.0:9180\"}\n");
        assertThatThrownBy(() -> load(api))
                .hasMessage("config file " + api + ": api.token: required when api.listen (0.0.0.0:9180) is not a"
                        + " loopback address: anyone who can reach it could scale the pool and open proxies; set"
                        + " TORGATE_API_TOKEN (or --api-token), or listen on a loopback address such as 127.0.0.1");
        assertThat(ConfigLoader.builder().env(Map.of("TORGATE_API_LISTEN", "off")).home(dir).build().load()
                .api().listen()).as("off: no API").isEmpty();
        assertThat(load(write("api: {listen: \"0.0.0.0:0\", token: \"" + "x".repeat(16) + "\"}\n")).api().token())
                .contains("x".repeat(16));
    }

    @Test
    void aUsersFileReplacesTheConfigFilesUsers() throws Exception {
        Path file = write("users:\n  alice:\n    password: a\nlimits: {max_tunnels: 5}\n");
        Path usersFile = Files.writeString(dir.resolve("users.yaml"), "users:\n  bob:\n    password: b\n"
                + "    allowed_countries: [de]\n");
        TorgateConfig c = loader(file, Map.of()).usersFile(usersFile).build().load();
        assertThat(c.users().names()).containsExactly("bob");
        assertThat(c.policies().forUser("bob").orElseThrow().allowedCountries()).contains(List.of("de"));
        assertThat(c.limits().maxTunnels()).isEqualTo(5);
        Path notOnlyUsers = Files.writeString(dir.resolve("users2.yaml"), "users:\n  bob:\n    password: b\nlimits: {}\n");
        assertThatThrownBy(() -> ConfigLoader.builder().usersFile(notOnlyUsers).env(Map.of()).home(dir).build().load())
                .hasMessage("users file " + notOnlyUsers + ": limits: unknown key; expected one of users");
        Path empty = Files.writeString(dir.resolve("users3.yaml"), "");
        assertThatThrownBy(() -> ConfigLoader.builder().usersFile(empty).env(Map.of()).home(dir).build().load())
                .hasMessage("users file " + empty + ": the file is empty; expected a 'users:' map");
    }

    @Test
    void theOldUsersFileFormatStillWorks() throws Exception {
        Path usersFile = Files.writeString(dir.resolve("users.yaml"), """
                users:
                  alice:
                    password: secret
                  bob.2:
                    password: "p@ss word: with colon"
                  c_3:
                    password: '1234'
                """);
        TorgateConfig c = ConfigLoader.builder().usersFile(usersFile).env(Map.of()).home(dir).build().load();
        assertThat(c.users().names()).containsExactly("alice", "bob.2", "c_3");
        assertThat(c.users().authenticate("alice", "secret")).isTrue();
        assertThat(c.users().authenticate("bob.2", "p@ss word: with colon")).isTrue();
        assertThat(c.users().authenticate("c_3", "1234")).isTrue();
        assertThat(c.users().authenticate("alice", "p@ss word: with colon")).isFalse();
        assertThat(c.policies().forUser("alice")).contains(UserPolicy.UNRESTRICTED);
        assertThat(c.users().toString()).doesNotContain("secret");
    }

    @Test
    void extraTorrcLinesAreCheckedAndReachThePool() throws Exception {
        TorgateConfig c = load(write("pool:\n  extra_torrc:\n    - \"NumEntryGuards 3\"\n    - \"ExitNodes {de}  \"\n"));
        assertThat(c.pool().extraTorrc()).containsExactly("NumEntryGuards 3", "ExitNodes {de}  ");
        assertThat(c.pool().torrc().values("NumEntryGuards")).containsExactly("3");
        assertThat(c.pool().torrc().values("ExitNodes")).containsExactly("{de}");
    }

    @Test
    void unknownEnvironmentVariablesAreIgnored() throws Exception {
        assertThat(ConfigLoader.builder().env(Map.of("TORGATE_MAX_TUNELS", "1")).home(dir).build().load().limits()
                .maxTunnels()).isEqualTo(20_000);
    }

    @Test
    void flagsForUnknownSettingsAreAProgrammingError() {
        assertThatThrownBy(() -> ConfigLoader.builder().flag("limits.nope", 1, "--nope"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Optional.of(ConfigLoader.builder().build().toString())).isPresent();
    }
}
