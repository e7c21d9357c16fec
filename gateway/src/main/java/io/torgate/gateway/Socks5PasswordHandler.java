package io.torgate.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 1929 username/password. The username is parsed by {@link UsernameGrammar} first (its options decide the
 * route), then the account part and the password go to the {@link Authenticator}. Any failure answers status
 * 0x01 and closes; SOCKS has no room for a reason, so the reason goes to the log (never the password).
 */
final class Socks5PasswordHandler extends FrontDoorHandler<Socks5PasswordAuthRequest> {

    private static final Logger log = LoggerFactory.getLogger(Socks5PasswordHandler.class);

    Socks5PasswordHandler(GatewayContext gw) {
        super(gw, Socks5PasswordAuthRequest.class);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Socks5PasswordAuthRequest request) {
        if (request.decoderResult().isFailure()) {
            log.debug("SOCKS5 client {} sent a malformed auth request: {}", ctx.channel().remoteAddress(),
                    request.decoderResult().cause().getMessage());
            tracker(ctx).failed("bad_auth_request");
            refuse(ctx);
            return;
        }
        RouteRequest route;
        try {
            route = UsernameGrammar.parse(request.username());
        } catch (RouteRequestException e) {
            tracker(ctx).abandoned();
            gw.listener().optionRejected(e.reason());
            log.info("SOCKS5 client {} refused: bad username options ({}): {}", ctx.channel().remoteAddress(),
                    e.reason().label(), e.getMessage());
            refuse(ctx);
            return;
        }
        if (!gw.config().authenticator().accepts(route.user(), request.password())) {
            tracker(ctx).abandoned();
            gw.listener().authFailed(ConnectRequest.Protocol.SOCKS5);
            log.info("SOCKS5 client {} refused: wrong user or password for user '{}'", ctx.channel().remoteAddress(),
                    route.user());
            refuse(ctx);
            return;
        }
        ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS));
        ChannelPipeline p = ctx.pipeline();
        p.replace(this, Socks5InitialHandler.HANDLER, new Socks5CommandHandler(gw, route));
        p.replace(Socks5InitialHandler.DECODER, Socks5InitialHandler.DECODER, new Socks5CommandRequestDecoder());
    }

    /**
     * RFC 1929 allows any non-zero status for failure; Netty's FAILURE constant is 0xFF, torgate answers 0x01 like
     * most servers (and Tor) do.
     */
    static final Socks5PasswordAuthStatus AUTH_FAILURE = Socks5PasswordAuthStatus.valueOf((byte) 0x01);

    private static void refuse(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(AUTH_FAILURE))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
