package io.torgate.control.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way a config file can be wrong: the message names the file, the dotted key and why. */
class ConfigFileErrorsTest {

    private static final String FP = "0123456789ABCDEF0123456789ABCDEF01234567";

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("torgate.yaml"), yaml.replace("\\n", "\n"));
    }

    private void load(Path file) throws ConfigException {
        ConfigLoader.builder().configFile(file).env(Map.of()).home(dir).build().load();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // structure and unknown keys
            "'- a'                                     | : expected a map of settings, found a list",
            "'limit: {}'                               | : limit: unknown key; did you mean limits? expected one of upstream, listen, api, users, pool, directory, limits, logging",
            "'frobnicate: 1'                           | : frobnicate: unknown key; expected one of upstream",
            "'limits: {max_tunnel: 5}'                 | : limits.max_tunnel: unknown key; did you mean max_tunnels? expected one of handshake_timeout",
            "'limits: 5'                               | : limits: expected a map, found a number",
            "'pool: {extra_torc: []}'                  | : pool.extra_torc: unknown key; did you mean extra_torrc?",
            // scalar types and values
            "'upstream: ftp://x'                       | : upstream: 'ftp://x' is not an upstream; use tor-pool, direct or socks5://HOST:PORT",
            "'upstream: 5'                             | : upstream: must be tor-pool, direct or socks5://HOST:PORT, found a number",
            "'listen: {socks: 127.0.0.1}'              | : listen.socks: '127.0.0.1' is not HOST:PORT",
            "'listen: {socks: [::1]:1080}'             | not valid YAML",
            "'listen: {socks: \"h:99999\"}'            | : listen.socks: 'h:99999' has port 99999, outside 0-65535",
            "'listen:\\n  socks:'                      | : listen.socks: no value; give HOST:PORT or leave the key out",
            "'limits: {idle_timeout: 10}'              | : limits.idle_timeout: must be a duration such as 10s or 5m, found a number (a duration needs a unit, e.g. 10s)",
            "'limits: {idle_timeout: 5min}'            | : limits.idle_timeout: '5min' is not a duration; use a whole number and a unit",
            "'limits: {idle_timeout: 0s}'              | : limits.idle_timeout: '0s' must be more than zero",
            "'limits: {max_tunnels: lots}'             | : limits.max_tunnels: must be a whole number of 0 or more, found a string",
            "'limits: {max_tunnels: -1}'               | : limits.max_tunnels: '-1' must be 0 or more",
            "'limits: {max_tunnels: 1.5}'              | : limits.max_tunnels: must be a whole number of 0 or more, found a number",
            "'limits: {max_tunnels: 99999999999}'      | : limits.max_tunnels: 99999999999 is too large",
            "'limits: {write_buffer_high: 0}'          | : limits.write_buffer_high: '0' must be 1 or more",
            "'limits: {native_transport: maybe}'       | : limits.native_transport: must be true or false, found a string",
            "'limits: {write_buffer_low: 300000}'      | : limits.write_buffer_low: 300000 is above limits.write_buffer_high 262144",
            "'pool: {instances: 0}'                    | : pool.instances: '0' must be 1 or more",
            "'pool: {instances: 5, max_instances: 4}'  | : pool.instances: 5 is above pool.max_instances 4",
            "'pool: {bootstrap_timeout: 1d}'           | : pool.bootstrap_timeout: '1d' is not a duration",
            "'pool: {extra_torrc: NumEntryGuards 3}'   | : pool.extra_torrc: expected a list of torrc lines",
            "'pool: {extra_torrc: [NumEntryGuards]}'   | : pool.extra_torrc[0]: 'NumEntryGuards' has no value; expected 'Option value'",
            "'pool: {extra_torrc: [\"a 1\", 5]}'       | : pool.extra_torrc[1]: expected a torrc line 'Option value', found a number",
            "'pool: {extra_torrc: [\"SocksPort 9050\"]}' | : pool.extra_torrc[0]: SocksPort is set by torgate for each instance and cannot be changed",
            "'pool: {extra_torrc: [\"datadirectory /x\"]}' | : pool.extra_torrc[0]: DataDirectory is set by torgate",
            "'pool: {extra_torrc: [\"__ReloadTorrcOnSIGHUP 1\"]}' | : pool.extra_torrc[0]: __ReloadTorrcOnSIGHUP is a tor-internal option",
            "'directory: {onionoo_url: ftp://x}'       | : directory.onionoo_url: 'ftp://x' is not an http or https URL",
            "'directory: {onionoo_url: \"http://h/?q\"}' | : directory.onionoo_url: 'http://h/?q' needs a host and no query or fragment",
            "'directory: {refresh_interval: 500ms}'    | : directory.refresh_interval: '500ms' is shorter than 1s",
            "'api: {listen: \"0.0.0.0:1\"}'            | : api.token: required when api.listen (0.0.0.0:1) is not a loopback address",
            "'api: {token: 5}'                         | : api.token: must be a string, found a number",
            "'api: {token: \"has space in it 123\"}'   | : api.token: the token may only hold visible ASCII characters",
            "'logging: {debug: 1}'                     | : logging.debug: must be true or false, found a number",
            // users
            "'users:'                                  | : users: missing; expected a map of user names",
            "'users: alice'                            | : users: expected a map of user names, found a string",
            "'users: {}'                               | : users: no users defined; to serve without login on purpose also set listen.no_login: true",
            "'listen: {no_login: true}\\nusers:\\n  alice: {password: a}' | : listen.no_login: true, but users are defined (alice); remove the users or the setting",
            "'users:\\n  alice:'                       | : users.alice: expected a map with 'password', found nothing",
            "'users:\\n  alice: secret'                | : users.alice: expected a map with 'password', found a string",
            "'users:\\n  alice: {}'                    | : users.alice.password: missing",
            "'users:\\n  alice:\\n    pasword: x'      | : users.alice.pasword: unknown key; did you mean password? expected one of password, allowed_countries, defaults, max_sessions, max_tunnels",
            "'users:\\n  alice:\\n    password: \"\"'  | : users.alice.password: must not be empty",
            "'users:\\n  alice:\\n    password: 1234'  | : users.alice.password: must be a string; quote it (found a number)",
            "'users:\\n  alice:\\n    password: [a]'   | : users.alice.password: must be a string; quote it (found a list)",
            "'users:\\n  al-ice:\\n    password: x'    | : users.al-ice: a user name is 1 to 64 of A-Z a-z 0-9 _ .",
            "'users:\\n  alice-country-de:\\n    password: x' | : users.alice-country-de: a user name is",
            "'users:\\n  alice:\\n    password: \"pbkdf2-sha256$1000$x\"' | : users.alice.password: a pbkdf2-sha256 hash has 4 parts",
            "'users:\\n  a:\\n    password: p\\n    allowed_countries: de'       | : users.a.allowed_countries: expected a list of country codes, e.g. [de, nl], found a string",
            "'users:\\n  a:\\n    password: p\\n    allowed_countries: []'       | : users.a.allowed_countries: empty, which would refuse every connection",
            "'users:\\n  a:\\n    password: p\\n    allowed_countries: [de, xx]' | : users.a.allowed_countries[1]: 'xx' is not an ISO 3166-1 alpha-2 country code",
            "'users:\\n  a:\\n    password: p\\n    allowed_countries: [de, no]' | : users.a.allowed_countries[1]: expected a country code, found a boolean (YAML reads unquoted no, yes, on, off as booleans: quote country codes such as 'no' for Norway)",
            "'users:\\n  a:\\n    password: p\\n    allowed_countries: [de, DE]' | : users.a.allowed_countries[1]: 'de' appears twice",
            "'users:\\n  a:\\n    password: p\\n    max_sessions: -1'            | : users.a.max_sessions: '-1' must be 0 or more (0 = unlimited)",
            "'users:\\n  a:\\n    password: p\\n    max_tunnels: many'           | : users.a.max_tunnels: must be a whole number of 0 or more, found a string (0 = unlimited)",
            "'users:\\n  a:\\n    password: p\\n    defaults: strict'            | : users.a.defaults: expected a map of username options",
            "'users:\\n  a:\\n    password: p\\n    defaults: {session: x}'      | : users.a.defaults.session: there is no default session",
            "'users:\\n  a:\\n    password: p\\n    defaults: {contry: de}'      | : users.a.defaults.contry: unknown key; did you mean country? expected one of country, exclude, exit, mode, ttl, rotate",
            "'users:\\n  a:\\n    password: p\\n    defaults: {country: de_xx}'  | : users.a.defaults.country: 'xx' is not an ISO 3166-1 alpha-2 country code",
            "'users:\\n  a:\\n    password: p\\n    defaults: {exclude: [fr, 3]}' | : users.a.defaults.exclude[1]: expected a country code, found a number",
            "'users:\\n  a:\\n    password: p\\n    defaults: {mode: loose}'     | : users.a.defaults.mode: bad value for mode 'loose': must be strict or flexible",
            "'users:\\n  a:\\n    password: p\\n    defaults: {ttl: 2d}'         | : users.a.defaults.ttl: bad value for ttl '2d'",
            "'users:\\n  a:\\n    password: p\\n    defaults: {ttl: 48h}'        | : users.a.defaults.ttl: bad value for ttl '48h': must be between 1s and 24h",
            "'users:\\n  a:\\n    password: p\\n    defaults: {ttl: 5}'          | : users.a.defaults.ttl: expected a string, found a number",
            "'users:\\n  a:\\n    password: p\\n    defaults: {rotate: always}'  | : users.a.defaults.rotate: bad value for rotate 'always'",
            "'users:\\n  a:\\n    password: p\\n    defaults: {exit: ABC}'       | : users.a.defaults.exit: bad value for exit 'ABC': a relay fingerprint is 40 hex digits",
            "'users:\\n  a:\\n    password: p\\n    defaults: {mode: x-y}'       | : users.a.defaults.mode: 'x-y' is not a value for mode",
            "'users:\\n  a:\\n    password: p\\n    defaults: {exit: " + FP + ", country: de}' | : users.a.defaults: exit pins one relay, so it cannot be combined with country",
            "'users:\\n  a:\\n    password: p\\n    defaults: {exit: " + FP + ", mode: flexible}' | : users.a.defaults: exit pins one relay and is always strict",
            "'users:\\n  a:\\n    password: p\\n    defaults: {country: de, exclude: de}' | : users.a.defaults: country 'de' is both in country and in exclude",
            "'users:\\n  a:\\n    password: p\\n    allowed_countries: [nl]\\n    defaults: {country: de}' | : users.a.defaults.country: country de is not in users.a.allowed_countries [nl]",
            "'users:\\n  a:\\n    password: p\\n    allowed_countries: [nl]\\n    defaults: {exclude: nl}' | : users.a.defaults.exclude: excludes every country in users.a.allowed_countries [nl]",
    })
    void everyBadValueNamesFileKeyAndReason(String yaml, String expected) throws Exception {
        Path file = write(yaml);
        assertThatThrownBy(() -> load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config file " + file)
                .hasMessageContaining(expected);
    }

    @Test
    void aMissingOrUnreadableFileIsNamed() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> load(missing)).hasMessage("config file " + missing + ": no such file");
        assertThatThrownBy(() -> load(dir)).hasMessageStartingWith("config file " + dir + ": cannot read");
    }

    @Test
    void badYamlNamesTheLineButNeverQuotesIt() throws Exception {
        Path file = write("users:\n  alice:\n    password: \"unterminated-hunter2\n");
        assertThatThrownBy(() -> load(file))
                .hasMessageStartingWith("config file " + file + ": not valid YAML: line ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void duplicateKeysAreRejectedNotSilentlyReplaced() throws Exception {
        Path file = write("users:\n  alice:\n    password: a\n  alice:\n    password: b\n");
        assertThatThrownBy(() -> load(file)).hasMessageContaining(file.toString()).hasMessageContaining("Duplicate field 'alice'");
        Path limits = write("limits: {max_tunnels: 1}\nlimits: {max_tunnels: 2}\n");
        assertThatThrownBy(() -> load(limits)).hasMessageContaining("Duplicate field 'limits'");
    }

    @Test
    void passwordsAndTokensNeverAppearInMessages() throws Exception {
        String secret = "pbkdf2-sha256$1000$c2VjcmV0c2VjcmV0$hunter2hunter2";
        Path file = write("users:\n  alice:\n    password: \"" + secret + "\"\n");
        assertThatThrownBy(() -> load(file)).satisfies(e -> assertThat(e.getMessage())
                .doesNotContain("hunter2").doesNotContain("c2VjcmV0"));
        Path longOne = write("users:\n  alice:\n    password: \"" + "hunter2".repeat(40) + "\"\n");
        assertThatThrownBy(() -> load(longOne)).hasMessageContaining("users.alice.password: longer than 255 bytes")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        Path token = write("api: {token: \"hunter2\"}\n");
        assertThatThrownBy(() -> load(token)).hasMessageContaining("api.token: the token is 7 characters")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }
}
