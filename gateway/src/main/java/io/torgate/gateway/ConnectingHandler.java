package io.torgate.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on the client channel while its CONNECT is being routed and dialled: holds any bytes the client sends
 * early, cancels the attempt if the client leaves, and on success turns both channels into a relay.
 * <p>
 * The client channel's AUTO_READ is off from the CONNECT request until the relay starts, so early data is
 * bounded by what was already read.
 */
final class ConnectingHandler extends HoldInbound implements ConnectAttempt.Outcome {

    private static final Logger log = LoggerFactory.getLogger(ConnectingHandler.class);

    static final String NAME = "connecting";

    private final GatewayContext gw;
    private final ConnectRequest request;
    private final FrontDoor frontDoor;
    private ChannelHandlerContext ctx;
    private ConnectAttempt attempt;
    /** The front door has written its reply (success or failure). */
    private boolean answered;

    ConnectingHandler(GatewayContext gw, ConnectRequest request, FrontDoor frontDoor) {
        this.gw = gw;
        this.request = request;
        this.frontDoor = frontDoor;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts routing; call once the handler is in the pipeline and the request decoders are out of the way. */
    void begin() {
        attempt = new ConnectAttempt(gw, request, ctx.channel().eventLoop(), this);
        attempt.start();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (attempt != null) {
            attempt.cancel();
        }
        super.channelInactive(ctx);
    }

    /**
     * A reset or other I/O error is the client leaving: the attempt is dropped as the channel closes. Anything
     * else is a bug of ours, and the client still gets an answer (every HTTP CONNECT ends with a status line).
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || answered) {
            super.exceptionCaught(ctx, cause);
            return;
        }
        log.warn("A connect of user {} failed inside the gateway", request.route().user(), cause);
        if (attempt != null) {
            attempt.cancel();
        }
        failed(ConnectFailure.internal("the gateway failed while connecting"));
    }

    @Override
    public void failed(ConnectFailure failure) {
        answered = true;
        releaseHeld();
        frontDoor.failed(ctx, failure);
    }

    @Override
    public void connected(Route route, Channel upstream) {
        answered = true;
        Channel client = ctx.channel();
        frontDoor.succeeded(ctx, bound(upstream.localAddress()));

        RelayTunnel tunnel = new RelayTunnel(gw, gw.tunnelIds().incrementAndGet(), request, route, client, upstream);
        HoldInbound upstreamHold = (HoldInbound) upstream.pipeline().get(UpstreamDialer.HOLD);
        tunnel.countUpstreamToClient(upstreamHold.writeHeldTo(client));
        tunnel.countClientToUpstream(writeHeldTo(upstream));
        upstream.pipeline().replace(upstreamHold, RelayHandler.NAME, new RelayHandler(tunnel, client, false));
        client.pipeline().replace(this, RelayHandler.NAME, new RelayHandler(tunnel, upstream, true));
        tunnel.start();
        client.flush();
        upstream.flush();
        // An EOF that came in while connecting is passed on now, after the data that preceded it.
        if (upstreamHold.inputShutdown()) {
            tunnel.inputEnded(false);
        }
        if (inputShutdown()) {
            tunnel.inputEnded(true);
        }
        client.config().setAutoRead(upstream.isWritable());
        upstream.config().setAutoRead(client.isWritable());
    }

    private static InetSocketAddress bound(SocketAddress local) {
        return local instanceof InetSocketAddress ? (InetSocketAddress) local : new InetSocketAddress(0);
    }
}
