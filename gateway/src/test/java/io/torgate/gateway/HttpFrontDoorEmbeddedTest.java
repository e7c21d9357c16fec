package io.torgate.gateway;

import static io.torgate.gateway.EmbeddedFrontDoor.feed;
import static io.torgate.gateway.EmbeddedFrontDoor.feedByteByByte;
import static io.torgate.gateway.EmbeddedFrontDoor.replyText;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.TestUsers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP CONNECT handlers on an EmbeddedChannel; the router refuses with 0x02, which HTTP shows as 403. */
class HttpFrontDoorEmbeddedTest {

    private final RecordingListener listener = new RecordingListener();
    private final List<ConnectRequest> routed = new CopyOnWriteArrayList<>();
    private EmbeddedChannel channel;

    private void open(Authenticator authenticator) {
        channel = EmbeddedFrontDoor.channel(GatewayConfig.builder()
                .router(request -> {
                    routed.add(request);
                    return CompletableFuture.failedFuture(new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET,
                            "test", "refused by the test router"));
                })
                .authenticator(authenticator)
                .listener(listener)
                .build());
    }

    @AfterEach
    void finish() {
        assertThat((Object) channel.readInbound()).isNull();
        assertThat(channel.finish()).isFalse();
    }

    private String answer() {
        String text = replyText(channel);
        assertThat(channel.isOpen()).as("closed after the answer").isFalse();
        return text;
    }

    private static String connect(String target, String authorization) {
        return "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
                + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n") + "\r\n";
    }

    @Test
    void authenticatedConnectFedByteByByteReachesTheRouter() {
        open(TestUsers.of("alice", "pw"));
        feedByteByByte(channel, connect("example.org:443", RawHttp.basic("alice-session-s1", "pw"))
                .getBytes(StandardCharsets.ISO_8859_1));
        String text = answer();
        assertThat(text).startsWith("HTTP/1.1 403 Forbidden\r\n")
                .contains("Proxy-Status: torgate; error=http_request_denied; details=\"refused by the test router\"")
                .endsWith("\r\n\r\nrefused by the test router\n");
        assertThat(routed.get(0).route().session()).contains("s1");
        assertThat(routed.get(0).destination()).isEqualTo(new Destination("example.org", 443, Destination.Kind.DOMAIN));
        assertThat(routed.get(0).protocol()).isEqualTo(ConnectRequest.Protocol.HTTP_CONNECT);
    }

    /** A CONNECT whose route never comes: the channel stays in its connecting state. */
    private void openConnecting() {
        channel = EmbeddedFrontDoor.channel(GatewayConfig.builder().router(request -> new CompletableFuture<>())
                .listener(listener).build());
        feed(channel, connect("example.org:443", null));
        assertThat(channel.isOpen()).isTrue();
        assertThat(replyText(channel)).isEmpty();
    }

    @Test
    void aFailureInsideTheGatewayWhileConnectingStillEndsWithAStatusLine() {
        openConnecting();
        channel.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));
        assertThat(answer()).startsWith("HTTP/1.1 502 Bad Gateway\r\n")
                .contains("Proxy-Status: torgate; error=proxy_internal_error").doesNotContain("a bug");
    }

    @Test
    void aResetWhileConnectingIsTheClientLeaving() {
        openConnecting();
        channel.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        assertThat(answer()).isEmpty();
    }

    @Test
    void missingCredentialsGet407() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, connect("example.org:443", null));
        assertThat(answer()).startsWith("HTTP/1.1 407 Proxy Authentication Required\r\n")
                .contains("Proxy-Authenticate: Basic realm=\"torgate\"\r\n")
                .contains("Proxy-Status: torgate; error=http_request_denied;");
        assertThat(routed).isEmpty();
        assertThat(listener.events()).contains("handshakeFailed:HTTP_CONNECT:auth_required");
    }

    @Test
    void withoutUsersMissingCredentialsAreAnonymous() {
        open(Authenticator.NONE);
        feed(channel, connect("[2001:db8::1]:443", null));
        assertThat(answer()).startsWith("HTTP/1.1 403 ");
        assertThat(routed.get(0).route().user()).isEqualTo("anonymous");
        assertThat(routed.get(0).destination()).isEqualTo(new Destination("2001:db8::1", 443, Destination.Kind.IPV6));
    }

    @Test
    void wrongPasswordGets407() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, connect("example.org:443", RawHttp.basic("alice", "nope")));
        assertThat(answer()).startsWith("HTTP/1.1 407 ").contains("wrong user or password");
        assertThat(listener.events()).contains("authFailed:HTTP_CONNECT");
    }

    @Test
    void nonBasicCredentialsGet407NamingTheProblem() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, connect("example.org:443", "Bearer abc"));
        assertThat(answer()).startsWith("HTTP/1.1 407 ").contains("only the Basic scheme is supported");
    }

    @Test
    void badOptionsGet407WithTheGrammarsReason() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, connect("example.org:443", RawHttp.basic("alice-mode-sideways", "pw")));
        assertThat(answer()).startsWith("HTTP/1.1 407 ").contains("bad username options: ").contains("sideways");
        assertThat(listener.events()).contains("optionRejected:bad_value");
    }

    @Test
    void getIs405WithAllowConnect() {
        open(Authenticator.NONE);
        feed(channel, "GET http://example.org/ HTTP/1.1\r\nHost: example.org\r\n\r\n");
        assertThat(answer()).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("Allow: CONNECT\r\n")
                .contains("method GET is not supported");
    }

    @Test
    void badTargetIs400NamingIt() {
        open(Authenticator.NONE);
        feed(channel, connect("example.org:http", null));
        assertThat(answer()).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .contains("bad CONNECT target 'example.org:http': port 'http' is not a number");
    }

    @Test
    void garbageIs400() {
        open(Authenticator.NONE);
        feed(channel, "hello\r\n\r\n");
        assertThat(answer()).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .contains("Proxy-Status: torgate; error=http_request_error;");
        assertThat(listener.events()).contains("handshakeFailed:HTTP_CONNECT:bad_http");
    }

    @Test
    void oversizeHeadersAre431() {
        open(Authenticator.NONE);
        feed(channel, "CONNECT example.org:443 HTTP/1.1\r\nX-Big: " + "x".repeat(10_000) + "\r\n\r\n");
        assertThat(answer()).startsWith("HTTP/1.1 431 ");
    }

    @Test
    void oversizeRequestLineIs414() {
        open(Authenticator.NONE);
        feed(channel, "CONNECT " + "a".repeat(5_000) + ":443 HTTP/1.1\r\n\r\n");
        assertThat(answer()).startsWith("HTTP/1.1 414 ");
    }

    @Test
    void oversizeBodyIs413() {
        open(Authenticator.NONE);
        feed(channel, "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + "b".repeat(5000));
        assertThat(answer()).startsWith("HTTP/1.1 413 ").contains("only accepts CONNECT");
    }
}
