package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes a handshake handler keeps while a slow login check runs off the event loop (what the client sent behind
 * its login or CONNECT), handed back in order when the check passes and released otherwise. Event loop only.
 */
final class HeldInput {

    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();

    /** Keeps a buffer; anything else is dropped (and released): a handshake in progress expects only bytes. */
    void hold(Object msg) {
        if (msg instanceof ByteBuf buf) {
            held.add(buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Everything held, in order; the caller owns the buffers now. */
    List<ByteBuf> takeAll() {
        List<ByteBuf> out = new ArrayList<>(held);
        held.clear();
        return out;
    }

    void release() {
        ByteBuf b;
        while ((b = held.poll()) != null) {
            b.release();
        }
    }
}
