package io.torgate.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges what an upstream sent right away instead of up to 40 ms later.
 * <p>
 * Why: tor does not set TCP_NODELAY on its SocksPort connections, so Nagle's algorithm holds tor's next small
 * segment until its previous one is acknowledged, and Linux delays that acknowledgement (up to 40 ms) once a
 * connection looks interactive. Packet captures on the test network showed it: tor sends a small HTTP answer in two
 * pieces, and in about a quarter of fetches the second piece waited ~43 ms for the client's delayed ACK, whether the
 * client was curl straight to tor or torgate. Setting TCP_QUICKACK after a read sends the pending ACK at once, which
 * releases the held segment. The option does not stick (the kernel goes back to delayed ACKs by itself), hence once
 * per read burst: one {@code setsockopt} per burst, against a whole delayed-ACK period saved when it matters.
 * Native epoll only; with NIO there is no way to set it, and nothing happens.
 */
final class QuickAck {

    private static final Logger log = LoggerFactory.getLogger(QuickAck.class);
    private static volatile boolean failedOnce;

    private QuickAck() {
    }

    /** Sends any acknowledgement this socket is holding back, now. Event loop of {@code channel}. */
    static void now(Channel channel) {
        if (!(channel instanceof EpollSocketChannel) || !channel.isActive()) {
            return;
        }
        try {
            ((EpollSocketChannel) channel).config().setTcpQuickAck(true);
        } catch (ChannelException e) {
            // A socket closing under us; or a kernel without the option: say it once, the relay works without it.
            if (!failedOnce) {
                failedOnce = true;
                log.debug("TCP_QUICKACK not set on {}: {}", channel, e.toString());
            }
        }
    }
}
