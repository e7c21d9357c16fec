package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Exceptions the dial can end with, as the native and NIO transports report them. */
class UpstreamFailuresTest {

    @Test
    void directFailuresMapToTheirReplies() {
        assertThat(UpstreamFailures.direct(new CompletionException(new UnknownHostException("x"))).reply())
                .isEqualTo(SocksReply.HOST_UNREACHABLE);
        assertThat(UpstreamFailures.direct(new ConnectTimeoutException("t")).reply()).isEqualTo(SocksReply.TTL_EXPIRED);
        assertThat(UpstreamFailures.direct(new NoRouteToHostException()).reply()).isEqualTo(SocksReply.HOST_UNREACHABLE);
        assertThat(UpstreamFailures.direct(new ConnectException("connect(..) failed: Network is unreachable")).reply())
                .isEqualTo(SocksReply.NETWORK_UNREACHABLE);
        assertThat(UpstreamFailures.direct(new ConnectException("connect(..) failed: No route to host")).reply())
                .isEqualTo(SocksReply.HOST_UNREACHABLE);
        assertThat(UpstreamFailures.direct(new ConnectException("Connection refused")).reply())
                .isEqualTo(SocksReply.CONNECTION_REFUSED);
        assertThat(UpstreamFailures.direct(new IllegalStateException()).reply()).isEqualTo(SocksReply.GENERAL_FAILURE);
    }

    @Test
    void dnsFailureIsADnsErrorForHttpClients() {
        ConnectFailure failure = UpstreamFailures.direct(new UnknownHostException("x"));
        assertThat(failure.proxyStatusError()).isEqualTo("dns_error");
        assertThat(failure.httpStatus()).isEqualTo(502);
    }

    @Test
    void upstreamCodesKeepTheirMeaning() {
        ConnectFailure refused = UpstreamFailures.upstreamReply(0x05);
        assertThat(refused.reply()).isEqualTo(SocksReply.CONNECTION_REFUSED);
        assertThat(refused.proxyStatusError()).isEqualTo("connection_refused");
        assertThat(refused.detail()).isEqualTo("the upstream proxy answered 0x05 (connection refused)");
        assertThat(UpstreamFailures.upstreamReply(0x06).httpStatus()).isEqualTo(504);
        assertThat(UpstreamFailures.upstreamReply(0x99).reply()).isEqualTo(SocksReply.GENERAL_FAILURE);
    }

    @Test
    void limitsAre503ForHttpAndGeneralFailureForSocks() {
        ConnectFailure limit = ConnectFailure.limit("per_user");
        assertThat(limit.reply()).isEqualTo(SocksReply.GENERAL_FAILURE);
        assertThat(limit.httpStatus()).isEqualTo(503);
        assertThat(limit.proxyStatusError()).isEqualTo("connection_limit_reached");
    }

    @Test
    void proxyStatusDetailsAreEscapedAsAnSfString() {
        assertThat(HttpResponses.proxyStatus("dns_error", "say \"hi\" \\ naïve"))
                .isEqualTo("torgate; error=dns_error; details=\"say \\\"hi\\\" \\\\ na?ve\"");
    }
}
