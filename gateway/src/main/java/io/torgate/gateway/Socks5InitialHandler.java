package io.torgate.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SOCKS5 method selection (RFC 1928 §3). With users configured only USERNAME/PASSWORD is acceptable. With no
 * users (which {@code Gateway.start} allows on loopback only) USERNAME/PASSWORD is still preferred when offered,
 * so the username can carry routing options, and NO AUTH is accepted otherwise. Nothing acceptable: 0xFF, close.
 */
final class Socks5InitialHandler extends FrontDoorHandler<Socks5InitialRequest> {

    private static final Logger log = LoggerFactory.getLogger(Socks5InitialHandler.class);

    static final String ENCODER = "socks-encoder";
    static final String DECODER = "socks-decoder";
    static final String HANDLER = "socks-handler";
    /** The user label of clients that chose NO AUTH. */
    static final String ANONYMOUS = "anonymous";

    Socks5InitialHandler(GatewayContext gw) {
        super(gw, Socks5InitialRequest.class);
    }

    /** Adds the SOCKS5 handlers right after {@code after}. */
    static void install(ChannelPipeline pipeline, String after, GatewayContext gw) {
        pipeline.addAfter(after, ENCODER, Socks5ServerEncoder.DEFAULT);
        pipeline.addAfter(ENCODER, DECODER, new Socks5InitialRequestDecoder());
        pipeline.addAfter(DECODER, HANDLER, new Socks5InitialHandler(gw));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Socks5InitialRequest request) {
        // The detector saw version 5, so the only way this decode fails is a greeting that offers no method.
        Socks5AuthMethod chosen = request.decoderResult().isSuccess() ? choose(request.authMethods()) : null;
        if (chosen == null) {
            log.debug("SOCKS5 client {} offered no acceptable method: {}", ctx.channel().remoteAddress(),
                    request.decoderResult().isSuccess() ? request.authMethods() : "none");
            tracker(ctx).failed("no_acceptable_method");
            ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // Reply first, then swap the next phase in: bytes the client already pipelined behind the greeting are
        // decoded by the new handlers as the old decoder leaves, and their reply must come after this one.
        ctx.writeAndFlush(new DefaultSocks5InitialResponse(chosen));
        ChannelPipeline p = ctx.pipeline();
        if (chosen == Socks5AuthMethod.PASSWORD) {
            p.replace(this, HANDLER, new Socks5PasswordHandler(gw));
            p.replace(DECODER, DECODER, new Socks5PasswordAuthRequestDecoder());
        } else {
            p.replace(this, HANDLER, new Socks5CommandHandler(gw, RouteRequest.plain(ANONYMOUS)));
            p.replace(DECODER, DECODER, new Socks5CommandRequestDecoder());
        }
    }

    private Socks5AuthMethod choose(List<Socks5AuthMethod> offered) {
        if (offered.contains(Socks5AuthMethod.PASSWORD)) {
            return Socks5AuthMethod.PASSWORD;
        }
        if (!gw.config().authenticator().usersConfigured() && offered.contains(Socks5AuthMethod.NO_AUTH)) {
            return Socks5AuthMethod.NO_AUTH;
        }
        return null;
    }
}
