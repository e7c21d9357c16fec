package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * The client side of a SOCKS5 handshake with an upstream (a Tor SocksPort) in one round trip instead of three:
 * greeting, RFC 1929 username/password and CONNECT leave in a single write, and the three replies are parsed as
 * they come, in whatever pieces. Tor's SOCKS parser handles requests that are already buffered one after the
 * other, so the upstream answers all three without waiting for us; when greeting and login reach tor together it
 * leaves out the method reply (see {@link #parse}), which this parser accepts.
 * <p>
 * The greeting offers exactly one method (username/password when the route has a credential, otherwise none):
 * the bytes behind it only make sense if the server picks that method. A server that picks another one gets
 * nothing more from us and the dial reports {@link Listener#methodNotAccepted}, so the dialer can retry step by
 * step. Bytes after the CONNECT reply (a server that talks first) go on to the next handler, the hold.
 */
final class PipelinedSocks5Handshake extends ChannelInboundHandlerAdapter {

    /** How the handshake ended; called at most once, on the event loop. */
    interface Listener {
        /** The CONNECT succeeded; this handler is already out of the pipeline. */
        void established();

        /** The server selected {@code method} (0xff: none acceptable) instead of the one we offered. */
        void methodNotAccepted(int method);

        void failed(ConnectFailure failure, Throwable cause);
    }

    private static final int VERSION = 5;
    private static final int AUTH_VERSION = 1;
    private static final int NO_AUTH = 0x00;
    private static final int PASSWORD = 0x02;
    private static final int CONNECT = 0x01;
    private static final int IPV4 = 0x01;
    private static final int DOMAIN = 0x03;
    private static final int IPV6 = 0x04;

    private enum Step { METHOD, AUTH, CONNECT_REPLY, DONE }

    private final Destination destination;
    private final String username;
    private final String password;
    private final Listener listener;

    private Step step = Step.METHOD;
    private ByteBuf received;
    private final java.util.function.IntFunction<ConnectFailure> replyFailure;
    /** The listener has heard the outcome. */
    private boolean reported;

    PipelinedSocks5Handshake(Destination destination, String username, String password, Listener listener) {
        this(destination, username, password, listener, UpstreamFailures::upstreamReply);
    }

    /** @param replyFailure what a failure code of the CONNECT reply means to the client */
    PipelinedSocks5Handshake(Destination destination, String username, String password, Listener listener,
                             java.util.function.IntFunction<ConnectFailure> replyFailure) {
        this.replyFailure = replyFailure;
        this.destination = destination;
        this.username = username;
        this.password = password;
        this.listener = listener;
    }

    private boolean withPassword() {
        return username != null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf requests;
        try {
            requests = requests(ctx);
        } catch (IllegalArgumentException e) {
            fail(ctx, UpstreamFailures.proxyHandshake(e), e);
            return;
        }
        ctx.writeAndFlush(requests).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(ctx, UpstreamFailures.proxyHandshake(f.cause()), f.cause());
            }
        });
        ctx.fireChannelActive();
        readMore(ctx);
    }

    /** Greeting, optional username/password, CONNECT: one buffer. */
    private ByteBuf requests(ChannelHandlerContext ctx) {
        byte[] address = address();
        byte[] user = withPassword() ? ascii(username, "username") : null;
        byte[] pass = withPassword() ? ascii(password, "password") : null;
        int size = 3 + (withPassword() ? 3 + user.length + pass.length : 0) + 4 + address.length + 2;
        ByteBuf out = ctx.alloc().buffer(size);
        out.writeByte(VERSION).writeByte(1).writeByte(withPassword() ? PASSWORD : NO_AUTH);
        if (withPassword()) {
            out.writeByte(AUTH_VERSION).writeByte(user.length).writeBytes(user).writeByte(pass.length).writeBytes(pass);
        }
        out.writeByte(VERSION).writeByte(CONNECT).writeByte(0);
        out.writeBytes(address);
        out.writeShort(destination.port());
        return out;
    }

    /** ATYP and address, exactly as Netty's Socks5ProxyHandler sent them: names unresolved, as DOMAINNAME. */
    private byte[] address() {
        if (destination.kind() == Destination.Kind.DOMAIN) {
            byte[] name = ascii(destination.host(), "destination host name");
            byte[] out = new byte[2 + name.length];
            out[0] = DOMAIN;
            out[1] = (byte) name.length;
            System.arraycopy(name, 0, out, 2, name.length);
            return out;
        }
        InetAddress ip = UpstreamDialer.literal(destination.host());
        byte[] raw = ip.getAddress();
        byte[] out = new byte[1 + raw.length];
        out[0] = (byte) (ip instanceof Inet4Address ? IPV4 : IPV6);
        System.arraycopy(raw, 0, out, 1, raw.length);
        return out;
    }

    private static byte[] ascii(String value, String what) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > 255) {
            throw new IllegalArgumentException(what + " longer than 255 bytes");
        }
        return bytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (step == Step.DONE || !(msg instanceof ByteBuf)) {
            // Only after a failure (we leave the pipeline on success): nothing more is wanted.
            ReferenceCountUtil.release(msg);
            return;
        }
        received = received == null ? (ByteBuf) msg
                : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received, (ByteBuf) msg);
        try {
            parse(ctx);
        } catch (RuntimeException e) {
            fail(ctx, UpstreamFailures.proxyHandshake(e), e);
        }
    }

    private void parse(ChannelHandlerContext ctx) {
        if (step == Step.METHOD && withPassword() && received.isReadable()
                && received.getUnsignedByte(received.readerIndex()) == AUTH_VERSION) {
            // Tor (0.4.9) parses a greeting and a login that arrive together in one pass and sends only the
            // login's reply: the method reply is overwritten before it is flushed. A server that refused our one
            // method would answer 05 FF, never 01, so this can only mean the method was taken.
            step = Step.AUTH;
        }
        if (step == Step.METHOD) {
            if (received.readableBytes() < 2) {
                return;
            }
            int version = received.readUnsignedByte();
            int method = received.readUnsignedByte();
            int offered = withPassword() ? PASSWORD : NO_AUTH;
            if (version != VERSION) {
                throw new IllegalStateException("not a SOCKS5 server (version " + version + ")");
            }
            if (method != offered) {
                step = Step.DONE;
                releaseReceived();
                reported = true;
                listener.methodNotAccepted(method);
                ctx.close();
                return;
            }
            step = withPassword() ? Step.AUTH : Step.CONNECT_REPLY;
        }
        if (step == Step.AUTH) {
            if (received.readableBytes() < 2) {
                return;
            }
            received.skipBytes(1); // subnegotiation version; Netty's decoder did not check it either
            int status = received.readUnsignedByte();
            if (status != 0) {
                throw new IllegalStateException("the upstream refused the username/password (status " + status + ")");
            }
            step = Step.CONNECT_REPLY;
        }
        if (step == Step.CONNECT_REPLY) {
            int length = connectReplyLength();
            if (length < 0 || received.readableBytes() < length) {
                return;
            }
            int version = received.getUnsignedByte(received.readerIndex());
            int status = received.getUnsignedByte(received.readerIndex() + 1);
            received.skipBytes(length);
            if (version != VERSION) {
                throw new IllegalStateException("not a SOCKS5 reply (version " + version + ")");
            }
            step = Step.DONE;
            if (status != 0) {
                releaseReceived();
                fail(ctx, replyFailure.apply(status), new IllegalStateException(
                        "the upstream answered CONNECT with 0x" + Integer.toHexString(status)));
                return;
            }
            succeed(ctx);
        }
    }

    /** The CONNECT reply's full length, or -1 while its address type (and name length) has not arrived. */
    private int connectReplyLength() {
        int r = received.readerIndex();
        if (received.readableBytes() < 4) {
            return -1;
        }
        int type = received.getUnsignedByte(r + 3);
        switch (type) {
            case IPV4:
                return 4 + 4 + 2;
            case IPV6:
                return 4 + 16 + 2;
            case DOMAIN:
                return received.readableBytes() < 5 ? -1 : 4 + 1 + received.getUnsignedByte(r + 4) + 2;
            default:
                throw new IllegalStateException("unknown address type " + type + " in the CONNECT reply");
        }
    }

    /** Out of the pipeline first, handing what came behind the reply to the hold, then tell the dialer. */
    private void succeed(ChannelHandlerContext ctx) {
        ByteBuf rest = received;
        received = null;
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else {
            rest.release();
        }
        ctx.pipeline().remove(this);
        reported = true;
        listener.established();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (step != Step.DONE) {
            readMore(ctx);
        }
    }

    private static void readMore(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (step != Step.DONE) {
            ProxyClosedException closed = new ProxyClosedException(step);
            fail(ctx, UpstreamFailures.proxyHandshake(closed), closed);
        }
        releaseReceived();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (step != Step.DONE) {
            fail(ctx, UpstreamFailures.proxyHandshake(cause), cause);
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseReceived();
    }

    private void fail(ChannelHandlerContext ctx, ConnectFailure failure, Throwable cause) {
        step = Step.DONE;
        releaseReceived();
        if (!reported) {
            reported = true;
            listener.failed(failure, cause);
        }
        ctx.close();
    }

    private void releaseReceived() {
        if (received != null) {
            received.release();
            received = null;
        }
    }

    /** The upstream hung up before the handshake was through. */
    static final class ProxyClosedException extends Exception {
        ProxyClosedException(Step step) {
            super("the upstream proxy closed the connection while waiting for its " + step.name().toLowerCase()
                    .replace('_', ' ') + " reply", null, false, false);
        }
    }
}
