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
 * Any byte the client sends after its request makes the sink stop and close the connection. The client ends its
 * connections that way rather than closing them itself, so that every TIME_WAIT socket of a run sits on a
 * listening port (the sink's, the proxy's) and none takes an ephemeral port of 127.0.0.1: a run opens and
 * closes tens of thousands of connections, and 60 s of TIME_WAIT on client ports would leave other programs on
 * this machine without ports to bind.
 */
final class SinkProtocol {

    static final byte DOWNLOAD = 'D';
    static final byte PING = 'P';
    static final byte HOLD = 'H';
    static final int REQUEST_BYTES = 9;
    static final int ANSWER_BYTES = 8;

    private SinkProtocol() {
    }

    /** Sent after the request: stop and close first. */
    static final byte STOP = 'S';

    static ByteBuf request(ByteBufAllocator alloc, byte op, long arg) {
        return alloc.buffer(REQUEST_BYTES).writeByte(op).writeLong(arg);
    }
}
