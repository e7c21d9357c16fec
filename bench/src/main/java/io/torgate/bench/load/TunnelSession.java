package io.torgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * One benchmark connection: through a SOCKS5 proxy (greeting with NO AUTH, CONNECT to an IPv4 address, waiting
 * for each reply as curl does), or straight to the sink when there is no proxy. Once the tunnel is open the
 * subclass sends its {@link SinkProtocol} request and sees the payload. Event loop only.
 */
abstract class TunnelSession extends ChannelInboundHandlerAdapter {

    private enum State { GREETING, CONNECT, OPEN, DONE }

    private final boolean viaProxy;
    private final InetSocketAddress target;
    private final long startNanos;
    private State state;
    private ByteBuf handshake;
    long openNanos;

    TunnelSession(boolean viaProxy, InetSocketAddress target, long startNanos) {
        this.viaProxy = viaProxy;
        this.target = target;
        this.startNanos = startNanos;
    }

    /** The tunnel is open: the SOCKS5 reply came, or the direct TCP connect completed. */
    abstract void opened(ChannelHandlerContext ctx);

    /** Payload from the sink; the subclass releases it. */
    abstract void payload(ChannelHandlerContext ctx, ByteBuf data);

    /** The connection ended; {@code failure} is null when it ended after the tunnel opened and without error. */
    abstract void ended(Throwable failure);

    /** Nanoseconds from the connect call to the open tunnel. */
    final long connectLatencyNanos() {
        return openNanos - startNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!viaProxy) {
            open(ctx);
            return;
        }
        handshake = ctx.alloc().heapBuffer(32);
        state = State.GREETING;
        ctx.writeAndFlush(ctx.alloc().buffer(3).writeByte(5).writeByte(1).writeByte(0));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (state == State.OPEN) {
            payload(ctx, in);
            return;
        }
        if (state != State.GREETING && state != State.CONNECT) {
            in.release();
            return;
        }
        handshake.writeBytes(in);
        in.release();
        try {
            advance(ctx);
        } catch (IOException e) {
            fail(ctx, e);
        }
    }

    private void advance(ChannelHandlerContext ctx) throws IOException {
        if (state == State.GREETING) {
            if (handshake.readableBytes() < 2) {
                return;
            }
            if (handshake.readByte() != 5 || handshake.readByte() != 0) {
                throw new IOException("proxy refused NO AUTH");
            }
            state = State.CONNECT;
            byte[] ip = ((Inet4Address) target.getAddress()).getAddress();
            ctx.writeAndFlush(ctx.alloc().buffer(10).writeByte(5).writeByte(1).writeByte(0).writeByte(1)
                    .writeBytes(ip).writeShort(target.getPort()));
        }
        if (state == State.CONNECT) {
            int replyLength = replyLength(handshake);
            if (replyLength < 0 || handshake.readableBytes() < replyLength) {
                return;
            }
            int code = handshake.getByte(handshake.readerIndex() + 1);
            if (code != 0) {
                throw new IOException("proxy answered CONNECT with reply code " + code);
            }
            handshake.skipBytes(replyLength);
            ByteBuf early = handshake.isReadable() ? handshake.retainedSlice() : null;
            handshake.release();
            handshake = null;
            open(ctx);
            if (early != null) {
                payload(ctx, early);
            }
        }
    }

    /** Length of the SOCKS5 reply at the buffer's reader index, or -1 when too little has arrived to tell. */
    private static int replyLength(ByteBuf b) throws IOException {
        if (b.readableBytes() < 5) {
            return -1;
        }
        int atyp = b.getByte(b.readerIndex() + 3);
        return switch (atyp) {
            case 1 -> 10;
            case 4 -> 22;
            case 3 -> 7 + (b.getByte(b.readerIndex() + 4) & 0xff);
            default -> throw new IOException("bad address type " + atyp + " in the proxy's reply");
        };
    }

    private void open(ChannelHandlerContext ctx) {
        state = State.OPEN;
        openNanos = System.nanoTime();
        opened(ctx);
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (state != State.DONE) {
            state = State.DONE;
            ended(cause);
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshake != null) {
            handshake.release();
            handshake = null;
        }
        if (state == State.OPEN) {
            state = State.DONE;
            ended(null);
        } else if (state != State.DONE) {
            state = State.DONE;
            ended(new IOException("connection closed before the tunnel opened"));
        }
    }

    /** The TCP connect itself failed (no channelActive, no channelInactive will follow). */
    final void connectFailed(Throwable cause) {
        if (state != State.DONE) {
            state = State.DONE;
            ended(cause);
        }
    }

    /** Ends the session from the subclass with an error (e.g. a short answer). */
    final void failWith(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }
}
