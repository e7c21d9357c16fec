package io.torgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * What the load client asks the sink, in one 9-byte request right after the tunnel opens: an operation byte and
 * an 8-byte big-endian argument.
 * <ul>
 *   <li>{@link #DOWNLOAD}: the sink streams {@code arg} bytes ({@link Long#MAX_VALUE}: until the client closes).</li>
 *   <li>{@link #PING}: the sink answers the 8-byte argument back, then closes first, so TIME_WAIT sockets pile up
 *       on the server side and the client can open connection after connection without running out of ports.</li>
 *   <li>{@link #HOLD}: the sink answers the argument back and keeps the connection open (idle tunnels).</li>
 * </ul>
 */
final class SinkProtocol {

    static final byte DOWNLOAD = 'D';
    static final byte PING = 'P';
    static final byte HOLD = 'H';
    static final int REQUEST_BYTES = 9;
    static final int ANSWER_BYTES = 8;

    private SinkProtocol() {
    }

    static ByteBuf request(ByteBufAllocator alloc, byte op, long arg) {
        return alloc.buffer(REQUEST_BYTES).writeByte(op).writeLong(arg);
    }
}
