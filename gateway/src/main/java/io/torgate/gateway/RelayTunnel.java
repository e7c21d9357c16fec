package io.torgate.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live client↔upstream tunnel. Both channels share one event loop, so all state here is touched by that one
 * thread; {@link #close(String)} may be called from anywhere and hops onto it.
 * <p>
 * Half-close: EOF from one side shuts down output on the other (after what was already written has been
 * flushed); the tunnel closes when both directions are done, or when either side closes or fails.
 */
final class RelayTunnel implements Tunnel {

    private static final Logger log = LoggerFactory.getLogger(RelayTunnel.class);
    private final GatewayContext gw;
    private final long id;
    private final ConnectRequest request;
    private final Route route;
    private final Channel client;
    private final Channel upstream;

    private long clientToUpstream;
    private long upstreamToClient;
    private boolean clientEof;
    private boolean upstreamEof;
    private int channelsClosed;
    private boolean closing;
    private boolean ended;
    private ScheduledFuture<?> closeDeadline;
    private final TunnelIdleTimer idleTimer;

    RelayTunnel(GatewayContext gw, long id, ConnectRequest request, Route route, Channel client, Channel upstream) {
        this.gw = gw;
        this.id = id;
        this.request = request;
        this.route = route;
        this.client = client;
        this.upstream = upstream;
        this.idleTimer = new TunnelIdleTimer(client, upstream, gw.config().idleTimeout().toNanos(),
                () -> abort("idle timeout"));
    }

    /** Registers the tunnel and starts watching both channels; the relay handlers are already in place. */
    void start() {
        gw.tunnels().register(this);
        idleTimer.start();
        gw.listener().tunnelOpened(request.protocol());
        route.observer().established(this);
        log.debug("Tunnel {} open: user {} to {} via {}", id, request.route().user(),
                gw.redactor().destination(request.destination()), route);
        client.closeFuture().addListener(f -> channelClosed(client));
        upstream.closeFuture().addListener(f -> channelClosed(upstream));
    }

    void countClientToUpstream(long bytes) {
        clientToUpstream += bytes;
    }

    void countUpstreamToClient(long bytes) {
        upstreamToClient += bytes;
    }

    /** A read burst on either side ended: the tunnel is not idle. */
    void readBurstEnded() {
        idleTimer.readHappened();
    }

    /** One side sent EOF: pass it on as a half-close, and end the tunnel once both sides have. */
    void inputEnded(boolean fromClient) {
        if (fromClient) {
            clientEof = true;
        } else {
            upstreamEof = true;
        }
        if (clientEof && upstreamEof) {
            closeGracefully("both sides finished");
            return;
        }
        Channel peer = fromClient ? upstream : client;
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            if (!flushed.isSuccess()) {
                abort("flush before half-close failed");
            } else if (peer instanceof DuplexChannel) {
                ((DuplexChannel) peer).shutdownOutput().addListener(shut -> {
                    if (!shut.isSuccess()) {
                        abort("half-close failed");
                    }
                });
            } else {
                closeGracefully("peer cannot half-close");
            }
        });
    }

    /** Flushes what was already written on both sides, then closes them. */
    void closeGracefully(String why) {
        if (closing) {
            return;
        }
        closing = true;
        log.debug("Tunnel {} closing: {}", id, why);
        Channels.closeOnFlush(client);
        Channels.closeOnFlush(upstream);
        // A peer that never reads would keep its flush pending forever; give it an idle period, then cut it off.
        closeDeadline = client.eventLoop().schedule(() -> abort("close did not finish in time"),
                gw.config().idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes both sides now, dropping anything unsent. */
    void abort(String why) {
        if (!ended) {
            log.debug("Tunnel {} aborted: {}", id, why);
        }
        closing = true;
        client.close();
        upstream.close();
    }

    private void channelClosed(Channel which) {
        channelsClosed++;
        if (channelsClosed == 1) {
            // One side is gone: deliver what the other side still has queued, then close it too.
            closeGracefully(which == client ? "client closed" : "upstream closed");
            return;
        }
        ended();
    }

    private void ended() {
        if (ended) {
            return;
        }
        ended = true;
        idleTimer.stop();
        if (closeDeadline != null) {
            closeDeadline.cancel(false);
        }
        gw.tunnels().unregister(this);
        gw.tunnels().release(request.route().user());
        gw.listener().tunnelClosed(clientToUpstream, upstreamToClient);
        route.observer().closed(this);
        log.debug("Tunnel {} closed: {} bytes up, {} bytes down", id, clientToUpstream, upstreamToClient);
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public ConnectRequest request() {
        return request;
    }

    @Override
    public InetSocketAddress upstreamLocalAddress() {
        return (InetSocketAddress) upstream.localAddress();
    }

    @Override
    public void close(String why) {
        if (client.eventLoop().inEventLoop()) {
            closeGracefully(why);
        } else {
            client.eventLoop().execute(() -> closeGracefully(why));
        }
    }

    /** Immediate close from any thread (shutdown after the grace period). */
    void abortFromAnyThread(String why) {
        if (client.eventLoop().inEventLoop()) {
            abort(why);
        } else {
            client.eventLoop().execute(() -> abort(why));
        }
    }

    @Override
    public String toString() {
        return "Tunnel#" + id;
    }
}
