package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ProxyCredentialsTest {

    private static String basic(String pair) {
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void splitsAtTheFirstColonSoPasswordsMayContainColons() {
        assertThat(ProxyCredentials.parseBasic(basic("alice-session-x:pa:ss")))
                .isEqualTo(new ProxyCredentials("alice-session-x", "pa:ss"));
    }

    @Test
    void schemeIsCaseInsensitive() {
        assertThat(ProxyCredentials.parseBasic("bAsIc " + basic("a:b").substring(6)).username()).isEqualTo("a");
    }

    @Test
    void rejectsOtherSchemesBadBase64AndMissingColon() {
        assertThatThrownBy(() -> ProxyCredentials.parseBasic("Digest x")).hasMessage("only the Basic scheme is supported");
        assertThatThrownBy(() -> ProxyCredentials.parseBasic("Basic !!!")).hasMessage("the credentials are not valid base64");
        assertThatThrownBy(() -> ProxyCredentials.parseBasic(basic("nocolon")))
                .hasMessage("the credentials have no ':' between user and password");
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(new ProxyCredentials("alice", "s3cret").toString()).doesNotContain("s3cret");
    }
}
