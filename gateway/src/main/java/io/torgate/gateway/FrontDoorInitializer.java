package io.torgate.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** Every accepted client starts with the handshake clock and the protocol detector. */
final class FrontDoorInitializer extends ChannelInitializer<Channel> {

    private final GatewayContext gw;

    FrontDoorInitializer(GatewayContext gw) {
        this.gw = gw;
    }

    @Override
    protected void initChannel(Channel ch) {
        gw.listener().accepted();
        ch.pipeline().addLast(HandshakeTracker.NAME, new HandshakeTracker(gw));
        ch.pipeline().addLast(ProtocolDetector.NAME, new ProtocolDetector(gw));
        // Stays last: each protocol's handlers go in after the detector, before this.
        ch.pipeline().addLast(PipelineEnd.NAME, PipelineEnd.INSTANCE);
    }
}
