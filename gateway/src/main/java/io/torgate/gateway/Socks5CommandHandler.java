package io.torgate.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SOCKS5 request (RFC 1928 §4). CONNECT to an IPv4, IPv6 or domain-name destination goes on to routing;
 * BIND and UDP ASSOCIATE get 0x07, an unknown address type 0x08, a malformed request 0x01.
 */
final class Socks5CommandHandler extends FrontDoorHandler<Socks5CommandRequest> {

    private static final Logger log = LoggerFactory.getLogger(Socks5CommandHandler.class);

    private final RouteRequest route;

    Socks5CommandHandler(GatewayContext gw, RouteRequest route) {
        super(gw, Socks5CommandRequest.class);
        this.route = route;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Socks5CommandRequest request) {
        if (request.decoderResult().isFailure()) {
            // Netty's decoder fails for two reasons only: a wrong version byte or an address type it does not know.
            String message = String.valueOf(request.decoderResult().cause().getMessage());
            boolean badAddressType = message.contains("unsupported address type");
            log.debug("SOCKS5 client {} sent a malformed request: {}", ctx.channel().remoteAddress(), message);
            refuse(ctx, badAddressType ? "bad_address_type" : "bad_request", badAddressType
                    ? SocksReply.ADDRESS_TYPE_NOT_SUPPORTED : SocksReply.GENERAL_FAILURE);
            return;
        }
        if (request.type() != Socks5CommandType.CONNECT) {
            log.debug("SOCKS5 client {} asked for unsupported command {}", ctx.channel().remoteAddress(),
                    request.type());
            refuse(ctx, "unsupported_command", SocksReply.COMMAND_NOT_SUPPORTED);
            return;
        }
        Destination destination;
        try {
            destination = new Destination(request.dstAddr(), request.dstPort(), kind(request.dstAddrType()));
        } catch (IllegalArgumentException e) {
            // Port 0 or an empty name: nothing anyone could connect to.
            log.debug("SOCKS5 client {} sent an unusable destination: {}", ctx.channel().remoteAddress(),
                    e.getMessage());
            refuse(ctx, "bad_destination", SocksReply.HOST_UNREACHABLE);
            return;
        }
        ConnectRequest connect = new ConnectRequest(route, destination, inet(ctx.channel().remoteAddress()),
                ConnectRequest.Protocol.SOCKS5);
        ctx.channel().config().setAutoRead(false);
        tracker(ctx).completed();
        ConnectingHandler connecting = new ConnectingHandler(gw, connect, Socks5FrontDoor.INSTANCE);
        // The request decoder stays for now: in its done state it passes any early bytes through, raw, to us.
        ctx.pipeline().replace(this, ConnectingHandler.NAME, connecting);
        connecting.begin();
    }

    private void refuse(ChannelHandlerContext ctx, String reason, SocksReply reply) {
        tracker(ctx).failed(reason);
        Socks5FrontDoor.INSTANCE.failed(ctx, ConnectFailure.of(reply, "http_request_error", reason));
    }

    private static Destination.Kind kind(Socks5AddressType type) {
        if (type == Socks5AddressType.IPv4) {
            return Destination.Kind.IPV4;
        }
        if (type == Socks5AddressType.IPv6) {
            return Destination.Kind.IPV6;
        }
        return Destination.Kind.DOMAIN;
    }

    static InetSocketAddress inet(SocketAddress address) {
        return address instanceof InetSocketAddress ? (InetSocketAddress) address : null;
    }
}
