package io.torgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Lets the sink pose as a SOCKS5 server: any method (USERNAME/PASSWORD preferred, any credentials accepted), any
 * CONNECT destination, success; then the connection is the sink's own. TorFrontBench warms torgate's SOCKS5-chain
 * path up against it, since torgate's isolation usernames are nothing a real SOCKS server on this machine would
 * accept without configuration. Server side of RFC 1928/1929, no validation beyond what parsing needs.
 */
final class SocksSinkHandshake extends ByteToMessageDecoder {

    private enum State { GREETING, AUTH, REQUEST }

    private State state = State.GREETING;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            int r = in.readerIndex();
            int n = in.readableBytes();
            switch (state) {
                case GREETING -> {
                    if (n < 2 || n < 2 + in.getUnsignedByte(r + 1)) {
                        return;
                    }
                    int methods = in.getUnsignedByte(r + 1);
                    boolean password = false;
                    for (int i = 0; i < methods; i++) {
                        password |= in.getByte(r + 2 + i) == 2;
                    }
                    in.skipBytes(2 + methods);
                    ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte(5).writeByte(password ? 2 : 0));
                    state = password ? State.AUTH : State.REQUEST;
                }
                case AUTH -> {
                    if (n < 2 || n < 3 + in.getUnsignedByte(r + 1)) {
                        return;
                    }
                    int user = in.getUnsignedByte(r + 1);
                    int pass = in.getUnsignedByte(r + 2 + user);
                    if (n < 3 + user + pass) {
                        return;
                    }
                    in.skipBytes(3 + user + pass);
                    ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte(1).writeByte(0));
                    state = State.REQUEST;
                }
                case REQUEST -> {
                    if (n < 5) {
                        return;
                    }
                    int atyp = in.getByte(r + 3);
                    int length = switch (atyp) {
                        case 1 -> 10;
                        case 4 -> 22;
                        default -> 7 + in.getUnsignedByte(r + 4);
                    };
                    if (n < length) {
                        return;
                    }
                    in.skipBytes(length);
                    ctx.writeAndFlush(ctx.alloc().buffer(10).writeByte(5).writeByte(0).writeByte(0).writeByte(1)
                            .writeInt(0).writeShort(0));
                    ctx.pipeline().remove(this); // what is left in the buffer goes on to the sink's session
                    return;
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }
    }
}
