package io.torgate.gateway;

import static io.torgate.gateway.EmbeddedFrontDoor.bytes;
import static io.torgate.gateway.EmbeddedFrontDoor.concat;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pipelined upstream SOCKS5 handshake byte for byte on an EmbeddedChannel, replies fed in every fragmentation. */
class PipelinedSocks5HandshakeTest {

    private static final Destination NAME = new Destination("example.onion", 443, Destination.Kind.DOMAIN);
    private static final byte[] METHOD_PASSWORD = bytes(5, 2);
    private static final byte[] AUTH_OK = bytes(1, 0);
    private static final byte[] CONNECT_OK = bytes(5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90);

    /** What the listener heard, in order. */
    private final List<String> events = new ArrayList<>();
    private final List<ConnectFailure> failures = new ArrayList<>();
    private EmbeddedChannel channel;
    private HoldInbound hold;

    private final PipelinedSocks5Handshake.Listener listener = new PipelinedSocks5Handshake.Listener() {
        @Override
        public void established() {
            events.add("established");
        }

        @Override
        public void methodNotAccepted(int method) {
            events.add("method " + method);
        }

        @Override
        public void failed(ConnectFailure failure, Throwable cause) {
            events.add("failed");
            failures.add(failure);
        }
    };

    private EmbeddedChannel open(Destination destination, String username, String password) {
        hold = new HoldInbound();
        channel = new EmbeddedChannel(new PipelinedSocks5Handshake(destination, username, password, listener), hold);
        return channel;
    }

    @AfterEach
    void finish() {
        assertThat((Object) channel.readInbound()).as("nothing leaks into the pipeline's tail").isNull();
        assertThat(channel.finish()).as("no unread messages left").isFalse();
    }

    /** Everything written so far, and that it was one single write. */
    private byte[] theOneWrite() {
        ByteBuf first = channel.readOutbound();
        assertThat(first).as("the handshake was written").isNotNull();
        assertThat((Object) channel.readOutbound()).as("in one write").isNull();
        byte[] out = ByteBufUtil.getBytes(first);
        first.release();
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private void feed(byte[] data) {
        channel.writeInbound(Unpooled.wrappedBuffer(data));
    }

    private byte[] held() {
        EmbeddedChannel target = new EmbeddedChannel();
        hold.writeHeldTo(target);
        target.flush();
        List<byte[]> parts = new ArrayList<>();
        ByteBuf buf;
        while ((buf = target.readOutbound()) != null) {
            parts.add(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        target.finishAndReleaseAll();
        return concat(parts.toArray(new byte[0][]));
    }

    @Test
    void greetingLoginAndConnectLeaveInOneWriteWithTheNameUnresolved() {
        open(NAME, "user-x", "secret");
        assertThat(theOneWrite()).containsExactly(concat(
                bytes(5, 1, 2),
                bytes(1, 6), ascii("user-x"), bytes(6), ascii("secret"),
                bytes(5, 1, 0, 3, 13), ascii("example.onion"), bytes(1, 0xbb)));
        assertThat(events).isEmpty();
        feed(concat(METHOD_PASSWORD, AUTH_OK, CONNECT_OK));
        assertThat(events).containsExactly("established");
        assertThat(channel.pipeline().get(PipelinedSocks5Handshake.class)).as("out of the pipeline").isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void withoutCredentialsOnlyNoAuthIsOfferedAndIpLiteralsTravelAsAddresses() {
        open(new Destination("10.1.2.3", 80, Destination.Kind.IPV4), null, null);
        assertThat(theOneWrite()).containsExactly(bytes(5, 1, 0, 5, 1, 0, 1, 10, 1, 2, 3, 0, 80));
        feed(concat(bytes(5, 0), CONNECT_OK));
        assertThat(events).containsExactly("established");
    }

    @Test
    void ipv6DestinationsTravelAsAtypIpv6() {
        open(new Destination("2001:db8::1", 443, Destination.Kind.IPV6), null, null);
        byte[] ip = new byte[16];
        ip[0] = 0x20;
        ip[1] = 0x01;
        ip[2] = 0x0d;
        ip[3] = (byte) 0xb8;
        ip[15] = 1;
        assertThat(theOneWrite()).containsExactly(concat(bytes(5, 1, 0, 5, 1, 0, 4), ip, bytes(1, 0xbb)));
        // The reply's bound address is IPv6 too: 22 bytes.
        feed(concat(bytes(5, 0), bytes(5, 0, 0, 4), new byte[16], bytes(0, 1)));
        assertThat(events).containsExactly("established");
    }

    @Test
    void repliesInEveryTwoPieceSplitWithABannerBehindThem() {
        byte[] banner = ascii("SSH-2.0-test\r\n");
        // The reply names a bound host (ATYP DOMAINNAME), so the parser needs its length byte before its end.
        byte[] all = concat(METHOD_PASSWORD, AUTH_OK, bytes(5, 0, 0, 3, 4), ascii("host"), bytes(0, 22), banner);
        int replies = all.length - banner.length;
        for (int split = 1; split < all.length; split++) {
            if (channel != null) {
                finish();
            }
            events.clear();
            open(NAME, "u", "p");
            theOneWrite();
            feed(Arrays.copyOfRange(all, 0, split));
            assertThat(events).as("split at %d", split).isEqualTo(split >= replies ? List.of("established") : List.of());
            feed(Arrays.copyOfRange(all, split, all.length));
            assertThat(events).as("split at %d", split).containsExactly("established");
            assertThat(held()).as("the banner is held for the relay, split at %d", split).containsExactly(banner);
        }
    }

    @Test
    void torsAnswerWithoutTheMethodReplyIsAccepted() {
        // What tor 0.4.9 sends when greeting and login arrive together: the login's reply, then the CONNECT's.
        open(NAME, "u", "p");
        theOneWrite();
        byte[] all = concat(AUTH_OK, CONNECT_OK);
        for (byte b : all) {
            feed(new byte[] {b});
        }
        assertThat(events).containsExactly("established");
    }

    @Test
    void withoutALoginAReplyStartingWithOneIsNotAMethodReply() {
        open(NAME, null, null);
        theOneWrite();
        feed(concat(AUTH_OK, CONNECT_OK));
        assertThat(events).containsExactly("failed");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void repliesFedByteByByte() {
        open(NAME, "u", "p");
        theOneWrite();
        byte[] all = concat(METHOD_PASSWORD, AUTH_OK, CONNECT_OK, bytes('x'));
        for (int i = 0; i < all.length; i++) {
            feed(new byte[] {all[i]});
            boolean lastReplyByteIn = i >= all.length - 2;
            assertThat(events).as("after %d bytes", i + 1)
                    .isEqualTo(lastReplyByteIn ? List.of("established") : List.of());
        }
        assertThat(held()).containsExactly('x');
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void theUpstreamConnectReplyCodePassesThrough(int code) {
        open(NAME, "u", "p");
        theOneWrite();
        feed(concat(METHOD_PASSWORD, AUTH_OK, bytes(5, code, 0, 1, 0, 0, 0, 0, 0, 0)));
        assertThat(events).containsExactly("failed");
        assertThat(failures.get(0).reply()).isEqualTo(SocksReply.of(code));
        assertThat(failures.get(0).detail()).contains(String.format("0x%02x", code));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void refusedLoginIsAHandshakeFailure() {
        open(NAME, "u", "wrong");
        theOneWrite();
        feed(concat(METHOD_PASSWORD, bytes(1, 1)));
        assertThat(events).containsExactly("failed");
        assertThat(failures.get(0)).isEqualTo(UpstreamFailures.proxyHandshake(null));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void noAcceptableMethodIsReportedForAStepByStepRetry() {
        open(NAME, "u", "p");
        theOneWrite();
        feed(bytes(5, 0xff, 1, 0));
        assertThat(events).containsExactly("method 255");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aServerThatPicksNoAuthWhenALoginWasOfferedIsReportedToo() {
        open(NAME, "u", "p");
        theOneWrite();
        feed(bytes(5, 0));
        assertThat(events).containsExactly("method 0");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void notSocks5IsAHandshakeFailure() {
        open(NAME, "u", "p");
        theOneWrite();
        feed(ascii("HTTP/1.1 400 Bad Request\r\n"));
        assertThat(events).containsExactly("failed");
        assertThat(failures.get(0)).isEqualTo(UpstreamFailures.proxyHandshake(null));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void unknownAddressTypeInTheConnectReplyIsAHandshakeFailure() {
        open(NAME, "u", "p");
        theOneWrite();
        feed(concat(METHOD_PASSWORD, AUTH_OK, bytes(5, 0, 0, 9, 0, 0)));
        assertThat(events).containsExactly("failed");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void theUpstreamHangingUpMidReplyIsAHandshakeFailure() {
        open(NAME, "u", "p");
        theOneWrite();
        feed(concat(METHOD_PASSWORD, AUTH_OK, bytes(5, 0, 0, 1, 127)));
        channel.close();
        assertThat(events).containsExactly("failed");
        assertThat(failures.get(0)).isEqualTo(UpstreamFailures.proxyHandshake(null));
    }

    @Test
    void aCredentialLongerThanSocksAllowsFailsWithoutWriting() {
        open(NAME, "u".repeat(256), "p");
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(events).containsExactly("failed");
        assertThat(channel.isOpen()).isFalse();
    }
}
