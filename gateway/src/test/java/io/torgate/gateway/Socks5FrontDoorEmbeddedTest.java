package io.torgate.gateway;

import static io.torgate.gateway.EmbeddedFrontDoor.bytes;
import static io.torgate.gateway.EmbeddedFrontDoor.concat;
import static io.torgate.gateway.EmbeddedFrontDoor.feed;
import static io.torgate.gateway.EmbeddedFrontDoor.feedByteByByte;
import static io.torgate.gateway.EmbeddedFrontDoor.replies;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.torgate.gateway.testing.RecordingListener;
import io.torgate.gateway.testing.TestUsers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SOCKS5 handlers byte for byte on an EmbeddedChannel. The router refuses everything with 0x02, so a request
 * that gets through the handshake ends in a 0x02 reply without any socket.
 */
class Socks5FrontDoorEmbeddedTest {

    private static final int[] REFUSED_REPLY = {5, 2, 0, 1, 0, 0, 0, 0, 0, 0};

    private final RecordingListener listener = new RecordingListener();
    private final List<ConnectRequest> routed = new CopyOnWriteArrayList<>();
    private EmbeddedChannel channel;

    private EmbeddedChannel open(Authenticator authenticator) {
        channel = EmbeddedFrontDoor.channel(GatewayConfig.builder()
                .router(request -> {
                    routed.add(request);
                    return CompletableFuture.failedFuture(new RoutingException(SocksReply.NOT_ALLOWED_BY_RULESET,
                            "test", "refused by the test router"));
                })
                .authenticator(authenticator)
                .listener(listener)
                .handshakeTimeout(Duration.ofSeconds(5))
                .build());
        return channel;
    }

    @AfterEach
    void finish() {
        assertThat((Object) channel.readInbound()).as("nothing leaks into the pipeline's tail").isNull();
        assertThat(channel.finish()).as("no unread messages left").isFalse();
    }

    private static byte[] auth(String user, String password) {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        return concat(bytes(1, u.length), u, bytes(p.length), p);
    }

    private static byte[] connectDomain(String host, int port) {
        byte[] h = host.getBytes(StandardCharsets.US_ASCII);
        return concat(bytes(5, 1, 0, 3, h.length), h, bytes(port >> 8, port & 0xff));
    }

    @Test
    void noAuthHandshakeFedByteByByte() {
        open(Authenticator.NONE);
        feedByteByByte(channel, bytes(5, 1));
        assertThat(replies(channel)).isEmpty();
        feedByteByByte(channel, bytes(0));
        assertThat(replies(channel)).containsExactly(5, 0);
        byte[] request = connectDomain("example.org", 443);
        feedByteByByte(channel, java.util.Arrays.copyOf(request, request.length - 1));
        assertThat(replies(channel)).isEmpty();
        feedByteByByte(channel, bytes(request[request.length - 1]));
        assertThat(replies(channel)).containsExactly(REFUSED_REPLY);
        assertThat(channel.isOpen()).isFalse();
        assertThat(routed).hasSize(1);
        assertThat(routed.get(0).route().user()).isEqualTo("anonymous");
        assertThat(routed.get(0).destination()).isEqualTo(new Destination("example.org", 443, Destination.Kind.DOMAIN));
        assertThat(listener.events()).contains("handshakeCompleted:SOCKS5",
                "routingRejected:test:NOT_ALLOWED_BY_RULESET");
    }

    @Test
    void passwordHandshakeFedByteByByteParsesTheUsernameOptions() {
        open(TestUsers.of("alice", "pw"));
        feedByteByByte(channel, concat(bytes(5, 2, 0, 2), auth("alice-country-de-session-x7k2", "pw"),
                connectDomain("example.org", 443)));
        assertThat(replies(channel)).containsExactly(concatInts(new int[] {5, 2}, new int[] {1, 0}, REFUSED_REPLY));
        RouteRequest route = routed.get(0).route();
        assertThat(route.user()).isEqualTo("alice");
        assertThat(route.countries()).containsExactly("de");
        assertThat(route.session()).contains("x7k2");
    }

    @Test
    void wholeHandshakeInOneWriteIsAnsweredInOrder() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, toInts(concat(bytes(5, 1, 2), auth("alice", "pw"), connectDomain("example.org", 80))));
        assertThat(replies(channel)).containsExactly(concatInts(new int[] {5, 2}, new int[] {1, 0}, REFUSED_REPLY));
    }

    @Test
    void withoutUsersPasswordIsPreferredSoOptionsWork() {
        open(Authenticator.NONE);
        feed(channel, 5, 2, 0, 2);
        assertThat(replies(channel)).containsExactly(5, 2);
        feed(channel, toInts(auth("anyone-session-s1", "whatever")));
        assertThat(replies(channel)).containsExactly(1, 0);
        channel.close();
    }

    @Test
    void noAuthOnlyIsRefusedWhenUsersAreConfigured() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, 5, 1, 0);
        assertThat(replies(channel)).containsExactly(5, 0xFF);
        assertThat(channel.isOpen()).isFalse();
        assertThat(listener.events()).contains("handshakeFailed:SOCKS5:no_acceptable_method");
    }

    @Test
    void greetingWithZeroMethodsGetsNoAcceptableMethod() {
        open(Authenticator.NONE);
        feed(channel, 5, 0);
        assertThat(replies(channel)).containsExactly(5, 0xFF);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void greetingWithAll255MethodsIsAccepted() {
        open(TestUsers.of("alice", "pw"));
        int[] greeting = new int[257];
        greeting[0] = 5;
        greeting[1] = 255;
        for (int i = 0; i < 255; i++) {
            greeting[2 + i] = i + 1;
        }
        feed(channel, greeting);
        assertThat(replies(channel)).containsExactly(5, 2);
        channel.close();
    }

    @Test
    void wrongAuthSubnegotiationVersionIsRefused() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, 5, 1, 2);
        replies(channel);
        byte[] bad = auth("alice", "pw");
        bad[0] = 2;
        feed(channel, toInts(bad));
        assertThat(replies(channel)).containsExactly(1, 1);
        assertThat(channel.isOpen()).isFalse();
        assertThat(listener.events()).contains("handshakeFailed:SOCKS5:bad_auth_request");
    }

    @Test
    void wrongPasswordIsRefusedWithStatus1() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, toInts(concat(bytes(5, 1, 2), auth("alice", "nope"))));
        assertThat(replies(channel)).containsExactly(5, 2, 1, 1);
        assertThat(channel.isOpen()).isFalse();
        assertThat(listener.events()).contains("authFailed:SOCKS5").doesNotContain("handshakeFailed:SOCKS5:client_closed");
    }

    @Test
    void badOptionsAreRefusedWithStatus1() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, toInts(concat(bytes(5, 1, 2), auth("alice-ttl-30m", "pw"))));
        assertThat(replies(channel)).containsExactly(5, 2, 1, 1);
        assertThat(channel.isOpen()).isFalse();
        assertThat(listener.events()).contains("optionRejected:invalid_combination");
        assertThat(routed).isEmpty();
    }

    @Test
    void oversizeUsernameIsRefused() {
        open(TestUsers.of("alice", "pw"));
        feed(channel, toInts(concat(bytes(5, 1, 2), auth("a".repeat(255), "pw"))));
        assertThat(replies(channel)).containsExactly(5, 2, 1, 1);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void bindIsNotSupported() {
        assertCommandReply(bytes(5, 2, 0, 1, 127, 0, 0, 1, 0, 80), 0x07, "unsupported_command");
    }

    @Test
    void udpAssociateIsNotSupported() {
        assertCommandReply(bytes(5, 3, 0, 1, 0, 0, 0, 0, 0, 0), 0x07, "unsupported_command");
    }

    @Test
    void unknownCommandIsNotSupported() {
        assertCommandReply(bytes(5, 9, 0, 1, 127, 0, 0, 1, 0, 80), 0x07, "unsupported_command");
    }

    @Test
    void unknownAddressTypeGets0x08() {
        assertCommandReply(bytes(5, 1, 0, 2, 127, 0, 0, 1, 0, 80), 0x08, "bad_address_type");
    }

    @Test
    void wrongRequestVersionIsAGeneralFailure() {
        assertCommandReply(bytes(4, 1, 0, 1, 127, 0, 0, 1, 0, 80), 0x01, "bad_request");
    }

    @Test
    void portZeroIsHostUnreachable() {
        assertCommandReply(bytes(5, 1, 0, 1, 127, 0, 0, 1, 0, 0), 0x04, "bad_destination");
    }

    @Test
    void ipv6DestinationIsParsed() {
        open(Authenticator.NONE);
        feed(channel, toInts(concat(bytes(5, 1, 0, 5, 1, 0, 4), new byte[15], bytes(1, 0x01, 0xbb))));
        assertThat(replies(channel)).containsExactly(concatInts(new int[] {5, 0}, REFUSED_REPLY));
        assertThat(routed.get(0).destination()).isEqualTo(new Destination("::1", 443, Destination.Kind.IPV6));
    }

    private void assertCommandReply(byte[] request, int code, String reason) {
        open(Authenticator.NONE);
        feed(channel, 5, 1, 0);
        assertThat(replies(channel)).containsExactly(5, 0);
        feed(channel, toInts(request));
        assertThat(replies(channel)).containsExactly(5, code, 0, 1, 0, 0, 0, 0, 0, 0);
        assertThat(channel.isOpen()).isFalse();
        assertThat(listener.events()).contains("handshakeFailed:SOCKS5:" + reason);
        assertThat(routed).isEmpty();
    }

    @Test
    void truncatedGreetingThenCloseSendsNothing() {
        open(Authenticator.NONE);
        feed(channel, 5, 3, 0);
        channel.close();
        assertThat(replies(channel)).isEmpty();
        assertThat(listener.events()).contains("handshakeFailed:SOCKS5:client_closed");
    }

    @Test
    void truncatedRequestThenCloseReachesNoRouter() {
        open(Authenticator.NONE);
        feed(channel, 5, 1, 0);
        assertThat(replies(channel)).containsExactly(5, 0);
        feed(channel, 5, 1, 0, 3, 20, 'e', 'x');
        channel.close();
        assertThat(replies(channel)).isEmpty();
        assertThat(routed).isEmpty();
    }

    @Test
    void stalledHandshakeIsClosedAtTheHandshakeTimeout() {
        open(Authenticator.NONE);
        feed(channel, 5, 2);
        channel.advanceTimeBy(4, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(replies(channel)).isEmpty();
        assertThat(listener.events()).containsExactly("accepted", "handshakeFailed:SOCKS5:timeout");
    }

    @Test
    void socks4GetsTheSocks4RejectedReplyAndIsClosed() {
        open(Authenticator.NONE);
        feed(channel, 4, 1, 0, 80, 127, 0, 0, 1, 0);
        assertThat(replies(channel)).containsExactly(0x00, 0x5B, 0, 0, 0, 0, 0, 0);
        assertThat(channel.isOpen()).isFalse();
        assertThat(listener.events()).contains("handshakeFailed:null:socks4");
    }

    @Test
    void binaryNoiseIsClosedWithoutAReply() {
        open(Authenticator.NONE);
        feed(channel, 0x16, 3, 1, 0, 0xa5, 1, 0, 0, 0xa1);
        assertThat(replies(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertThat(listener.events()).contains("handshakeFailed:null:unknown_protocol");
    }

    private static int[] toInts(byte[] bytes) {
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xff;
        }
        return out;
    }

    private static int[] concatInts(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
