package io.torgate.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpstreamTest {

    @Test
    void direct() {
        assertThat(Upstream.parse("direct")).isEqualTo(new Upstream.Direct());
        assertThat(Upstream.parse("direct").describe()).isEqualTo("direct");
    }

    @ParameterizedTest
    @CsvSource({
            "socks5://127.0.0.1:9050, 127.0.0.1, 9050",
            "socks5://localhost:1,    localhost, 1",
            "socks5://[::1]:65535,    ::1,       65535",
            "socks5://tor.example:9050, tor.example, 9050",
    })
    void socks5(String value, String host, int port) {
        Upstream u = Upstream.parse(value);
        assertThat(u).isEqualTo(new Upstream.Socks5(host, port));
        assertThat(u.describe()).isEqualTo(value);
    }

    @Test
    void torPoolIsAnUpstream() {
        assertThat(Upstream.parse("tor-pool")).isEqualTo(new Upstream.TorPool());
        assertThat(Upstream.parse("tor-pool").describe()).isEqualTo("tor-pool");
    }

    @Test
    void routers() {
        assertThat(((Upstream.Direct) Upstream.parse("direct")).router())
                .isInstanceOf(io.torgate.gateway.DirectRouter.class);
        assertThat(((Upstream.Socks5) Upstream.parse("socks5://127.0.0.1:9050")).router())
                .isInstanceOf(io.torgate.gateway.Socks5ChainRouter.class)
                .hasToString("Socks5ChainRouter[127.0.0.1:9050]");
    }

    @Test
    void unresolvableSocks5HostIsNamedWhenTheRouterIsMade() {
        Upstream.Socks5 u = (Upstream.Socks5) Upstream.parse("socks5://no.such.host.invalid:9050");
        assertThatThrownBy(u::router)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("upstream socks5://no.such.host.invalid:9050: unknown host 'no.such.host.invalid'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ftp://x                  | 'ftp://x' is not an upstream; use tor-pool, direct or socks5://HOST:PORT",
            "DIRECT                   | 'DIRECT' is not an upstream",
            "''                       | '' is not an upstream",
            "socks5://127.0.0.1       | 'socks5://127.0.0.1' needs a host and a port",
            "socks5://:9050           | 'socks5://:9050' needs a host and a port",
            "socks5://h:0             | 'socks5://h:0' has port 0, outside 1-65535",
            "socks5://h:70000         | 'socks5://h:70000' has port 70000, outside 1-65535",
            "socks5://u:p@h:9050      | 'socks5://u:p@h:9050' carries user info",
            "socks5://h:9050/x        | 'socks5://h:9050/x' has a path, query or fragment",
            "socks5://h:9050/         | has a path, query or fragment",
            "socks5://h:9050?a=b      | has a path, query or fragment",
            "socks5://h b:9050        | 'socks5://h b:9050' is not a valid socks5 URI",
    })
    void rejectedWithAMessageNamingTheValue(String value, String message) {
        assertThatThrownBy(() -> Upstream.parse(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
