package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpTargetTest {

    @Test
    void parsesTheThreeKinds() {
        assertThat(HttpTarget.parse("example.org:443"))
                .isEqualTo(new Destination("example.org", 443, Destination.Kind.DOMAIN));
        assertThat(HttpTarget.parse("192.0.2.1:80")).isEqualTo(new Destination("192.0.2.1", 80, Destination.Kind.IPV4));
        assertThat(HttpTarget.parse("[2001:db8::1]:8443"))
                .isEqualTo(new Destination("2001:db8::1", 8443, Destination.Kind.IPV6));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "example.org|expected host:port",
            "example.org:|expected host:port",
            ":443|expected host:port",
            "example.org:0|port 0 is out of range 1-65535",
            "example.org:65536|port 65536 is out of range 1-65535",
            "example.org:https|port 'https' is not a number",
            "[zz::1]:443|'zz::1' is not an IPv6 address",
            "2001:db8::1:443|'2001:db8::1' is not a host name",
            "user@example.org:443|'user@example.org' is not a host name",
    })
    void rejectsWithAReason(String target, String reason) {
        assertThatThrownBy(() -> HttpTarget.parse(target)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(reason);
    }
}
