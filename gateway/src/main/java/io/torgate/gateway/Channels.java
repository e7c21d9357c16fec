package io.torgate.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/** Small channel helpers shared by the front door and the relay. */
final class Channels {

    private Channels() {
    }

    /**
     * Closes the channel once everything already written has been flushed, so a reply written just before
     * (an error, the last bytes of a tunnel) reaches the peer instead of being cut off.
     */
    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }
}
