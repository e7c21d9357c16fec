package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 1929 username/password. The username is parsed by {@link UsernameGrammar} first (its options decide the
 * route), then the account part and the password go to the {@link Authenticator}. Any failure answers status
 * 0x01 and closes; SOCKS has no room for a reason, so the reason goes to the log (never the password).
 */
final class Socks5PasswordHandler extends FrontDoorHandler<Socks5PasswordAuthRequest> {

    private static final Logger log = LoggerFactory.getLogger(Socks5PasswordHandler.class);
    private static final RefusalLog REFUSALS = new RefusalLog(log);
    /** Characters of a client's username shown at INFO. */
    static final int SHOWN = 24;

    /** A slow password check is running (see {@link Authenticator#checkMayBeSlow}). */
    private boolean checking;
    /** Bytes that arrived behind the login while it was checked. */
    private final HeldInput held = new HeldInput();

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
            REFUSALS.refused(RefusalLog.Level.INFO, "SOCKS5 bad username options",
                    "SOCKS5 client {} refused: bad username options ({}) in {}", ctx.channel().remoteAddress(),
                    e.reason().label(), RefusalLog.clientText(request.username(), SHOWN));
            log.debug("SOCKS5 client {} refused: bad username options ({}): {}", ctx.channel().remoteAddress(),
                    e.reason().label(), e.getMessage());
            refuse(ctx);
            return;
        }
        Authenticator authenticator = gw.config().authenticator();
        Optional<LoginThrottle.Refusal> throttled =
                gw.logins().throttled(authenticator, ctx.channel().remoteAddress(), route.user());
        if (throttled.isPresent()) {
            // Logged once when the cool-off started, counted here. SOCKS5 has no code for "try later": 0x01.
            tracker(ctx).abandoned();
            gw.listener().loginThrottled(ConnectRequest.Protocol.SOCKS5, throttled.get().scope().label());
            refuse(ctx);
            return;
        }
        if (!authenticator.checkMayBeSlow(route.user(), request.password())) {
            boolean accepted = authenticator.accepts(route.user(), request.password());
            if (authenticator.usersConfigured()) {
                gw.logins().checked(ctx.channel().remoteAddress(), route.user(), accepted);
            }
            loginChecked(ctx, route, accepted, null);
            return;
        }
        // A slow check (a password hash not verified yet) runs off the event loop. Nothing more is read meanwhile;
        // what the client already sent behind its login (a pipelined CONNECT) is held until the answer.
        checking = true;
        ctx.channel().config().setAutoRead(false);
        gw.logins().check(ctx, authenticator, route.user(), request.password(), held, (accepted, error) -> {
            checking = false;
            loginChecked(ctx, route, accepted, error);
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (checking || !held.isEmpty()) {
            held.hold(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        held.release();
    }

    private void loginChecked(ChannelHandlerContext ctx, RouteRequest route, boolean accepted, Throwable error) {
        if (!accepted) {
            held.release();
            tracker(ctx).abandoned();
            gw.listener().authFailed(ConnectRequest.Protocol.SOCKS5);
            if (error != null) {
                REFUSALS.refused(RefusalLog.Level.WARN, "SOCKS5 logins not checked",
                        "SOCKS5 client {} refused: its login for user {} could not be checked ({})",
                        ctx.channel().remoteAddress(), RefusalLog.clientText(route.user(), SHOWN),
                        LoginChecks.whyUnchecked(error));
            } else {
                REFUSALS.refused(RefusalLog.Level.INFO, "SOCKS5 wrong user or password",
                        "SOCKS5 client {} refused: wrong user or password for user {}", ctx.channel().remoteAddress(),
                        RefusalLog.clientText(route.user(), SHOWN));
            }
            log.debug("SOCKS5 client {} refused: {} for user '{}'", ctx.channel().remoteAddress(),
                    error != null ? "login not checked" : "wrong user or password", route.user());
            refuse(ctx);
            return;
        }
        ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS));
        ChannelPipeline p = ctx.pipeline();
        List<ByteBuf> behind = held.takeAll();
        p.replace(this, Socks5InitialHandler.HANDLER, new Socks5CommandHandler(gw, route));
        p.replace(Socks5InitialHandler.DECODER, Socks5InitialHandler.DECODER, new Socks5CommandRequestDecoder());
        if (behind.isEmpty() && p.channel().config().isAutoRead()) {
            return; // checked on the event loop: nothing was held back
        }
        // Reading resumes first: the command handler may turn it off again for its CONNECT, and that must stick.
        // No read happens before this task ends, so the held bytes still come first, in order, as if just read.
        p.channel().config().setAutoRead(true);
        for (ByteBuf b : behind) {
            p.fireChannelRead(b);
        }
        if (!behind.isEmpty()) {
            p.fireChannelReadComplete();
        }
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
