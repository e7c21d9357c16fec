package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SocksReplyTest {

    @Test
    void upstreamCodesMapBackToTheirReply() {
        for (SocksReply r : SocksReply.values()) {
            assertThat(SocksReply.of(r.code() & 0xff)).isSameAs(r);
        }
    }

    @Test
    void unknownUpstreamCodeIsAGeneralFailure() {
        assertThat(SocksReply.of(0x42)).isSameAs(SocksReply.GENERAL_FAILURE);
    }

    @Test
    void timeoutMapsToGatewayTimeout() {
        assertThat(SocksReply.TTL_EXPIRED.httpStatus()).isEqualTo(504);
        assertThat(SocksReply.HOST_UNREACHABLE.httpStatus()).isEqualTo(502);
    }
}
