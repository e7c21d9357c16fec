package io.torgate.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP proxy front door: {@code CONNECT host:port HTTP/1.1} with {@code Proxy-Authorization: Basic} carrying
 * the same username grammar as SOCKS5. Everything else gets a clear 4xx with the reason in the body and a
 * Proxy-Status header, then the connection closes.
 * <p>
 * The server codec is Netty's request decoder and response encoder as two handlers (what HttpServerCodec
 * combines) so the decoder can leave the moment the CONNECT is read, before it tries to parse the tunnel's first
 * bytes as another request; the encoder stays to write the answer.
 */
final class HttpConnectHandler extends FrontDoorHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(HttpConnectHandler.class);
    private static final RefusalLog REFUSALS = new RefusalLog(log);

    static final String ENCODER = "http-encoder";
    static final String DECODER = "http-decoder";
    static final String AGGREGATOR = "http-aggregator";
    static final String HANDLER = "http-handler";

    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_SIZE = 8192;
    /** CONNECT has no body; a little room lets other methods reach the 405 instead of a 413. */
    static final int MAX_CONTENT = 1024;

    /** A slow password check is running (see {@link Authenticator#checkMayBeSlow}). */
    private boolean checking;
    /** Bytes that arrived behind the CONNECT while its login was checked. */
    private final HeldInput held = new HeldInput();

    HttpConnectHandler(GatewayContext gw) {
        super(gw, FullHttpRequest.class);
    }

    static void install(ChannelPipeline pipeline, String after, GatewayContext gw) {
        pipeline.addAfter(after, ENCODER, new HttpResponseEncoder());
        pipeline.addAfter(ENCODER, DECODER, new HttpRequestDecoder(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192));
        pipeline.addAfter(DECODER, AGGREGATOR, new Aggregator(gw));
        pipeline.addAfter(AGGREGATOR, HANDLER, new HttpConnectHandler(gw));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            Throwable cause = decoded.cause();
            int status = cause instanceof TooLongHttpLineException ? 414
                    : cause instanceof TooLongHttpHeaderException ? 431 : 400;
            refuse(ctx, "bad_http", status, "http_request_error", "malformed HTTP request: " + cause.getMessage());
            return;
        }
        if (!HttpMethod.CONNECT.equals(request.method())) {
            refuse(ctx, "method_not_allowed", 405, "http_request_denied", "torgate only tunnels: method "
                    + request.method() + " is not supported, use CONNECT host:port (e.g. curl -p / --proxytunnel,"
                    + " or an HTTPS destination)");
            return;
        }
        Destination destination;
        try {
            destination = HttpTarget.parse(request.uri());
        } catch (IllegalArgumentException e) {
            refuse(ctx, "bad_target", 400, "http_request_error",
                    "bad CONNECT target '" + printable(request.uri()) + "': " + e.getMessage());
            return;
        }
        Login login = login(ctx, request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION));
        if (login == null) {
            return;
        }
        ConnectRequest connect = new ConnectRequest(login.route(), destination,
                Socks5CommandHandler.inet(ctx.channel().remoteAddress()), ConnectRequest.Protocol.HTTP_CONNECT);
        Authenticator authenticator = gw.config().authenticator();
        if (login.password() == null) {
            connect(ctx, connect); // no users and no credentials: nothing to check
            return;
        }
        String user = login.route().user();
        Optional<LoginThrottle.Refusal> throttled =
                gw.logins().throttled(authenticator, ctx.channel().remoteAddress(), user);
        if (throttled.isPresent()) {
            refuseThrottled(ctx, throttled.get());
            return;
        }
        if (!authenticator.checkMayBeSlow(user, login.password())) {
            boolean accepted = authenticator.accepts(user, login.password());
            if (authenticator.usersConfigured()) {
                gw.logins().checked(ctx.channel().remoteAddress(), user, accepted);
            }
            if (accepted) {
                connect(ctx, connect);
            } else {
                refuseLogin(ctx, user, null);
            }
            return;
        }
        // A slow check (a password hash not verified yet) runs off the event loop. Nothing more is read meanwhile;
        // without the decoder, whatever the client sent behind its CONNECT comes here raw and is held.
        checking = true;
        ctx.channel().config().setAutoRead(false);
        ChannelPipeline p = ctx.pipeline();
        p.remove(AGGREGATOR);
        p.remove(DECODER);
        gw.logins().check(ctx, authenticator, user, login.password(), held, (accepted, error) -> {
            checking = false;
            if (accepted) {
                connect(ctx, connect);
            } else {
                held.release();
                refuseLogin(ctx, user, error);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (checking) {
            held.hold(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        held.release();
    }

    /** Hands the channel to a {@link ConnectingHandler}, with every byte the client sent behind its CONNECT. */
    private void connect(ChannelHandlerContext ctx, ConnectRequest connect) {
        ctx.channel().config().setAutoRead(false);
        tracker(ctx).completed();
        ConnectingHandler connecting = new ConnectingHandler(gw, connect, HttpFrontDoor.INSTANCE);
        ChannelPipeline p = ctx.pipeline();
        List<ByteBuf> behind = held.takeAll();
        p.replace(this, ConnectingHandler.NAME, connecting);
        // Bytes the client sent behind its CONNECT belong to the tunnel: removing the decoder hands them, raw,
        // to the connecting handler, which holds them until the upstream is ready.
        if (p.get(AGGREGATOR) != null) {
            p.remove(AGGREGATOR);
            p.remove(DECODER);
        }
        for (ByteBuf b : behind) {
            p.fireChannelRead(b); // held during a slow login check, in the order they came
        }
        connecting.begin();
    }

    /** A login: the route its username asks for, and the password to check (null: no credentials, no users). */
    private record Login(RouteRequest route, String password) { }

    /** The login of the request, or null after answering 407. */
    private Login login(ChannelHandlerContext ctx, String header) {
        Authenticator authenticator = gw.config().authenticator();
        if (header == null) {
            if (authenticator.usersConfigured()) {
                // The usual first step of proxy authentication, not an attack: the client retries with credentials.
                refuse(ctx, "auth_required", 407, "http_request_denied", "proxy authentication required");
                return null;
            }
            return new Login(RouteRequest.plain(Socks5InitialHandler.ANONYMOUS), null);
        }
        ProxyCredentials credentials;
        try {
            credentials = ProxyCredentials.parseBasic(header);
        } catch (IllegalArgumentException e) {
            refuse(ctx, "bad_auth_header", 407, "http_request_denied", "malformed Proxy-Authorization: "
                    + e.getMessage());
            return null;
        }
        RouteRequest route;
        try {
            route = UsernameGrammar.parse(credentials.username());
        } catch (RouteRequestException e) {
            tracker(ctx).abandoned();
            gw.listener().optionRejected(e.reason());
            REFUSALS.refused(RefusalLog.Level.INFO, "HTTP bad username options",
                    "HTTP client {} refused: bad username options ({}) in {}", ctx.channel().remoteAddress(),
                    e.reason().label(), RefusalLog.clientText(credentials.username(), Socks5PasswordHandler.SHOWN));
            log.debug("HTTP client {} refused: bad username options ({}): {}", ctx.channel().remoteAddress(),
                    e.reason().label(), e.getMessage());
            answer(ctx, 407, "http_request_denied", "bad username options: " + e.getMessage());
            return null;
        }
        return new Login(route, credentials.password());
    }

    private void refuseLogin(ChannelHandlerContext ctx, String user, Throwable error) {
        tracker(ctx).abandoned();
        gw.listener().authFailed(ConnectRequest.Protocol.HTTP_CONNECT);
        if (error != null) {
            REFUSALS.refused(RefusalLog.Level.WARN, "HTTP logins not checked",
                    "HTTP client {} refused: its login for user {} could not be checked ({})",
                    ctx.channel().remoteAddress(), RefusalLog.clientText(user, Socks5PasswordHandler.SHOWN),
                    LoginChecks.whyUnchecked(error));
        } else {
            REFUSALS.refused(RefusalLog.Level.INFO, "HTTP wrong user or password",
                    "HTTP client {} refused: wrong user or password for user {}", ctx.channel().remoteAddress(),
                    RefusalLog.clientText(user, Socks5PasswordHandler.SHOWN));
        }
        log.debug("HTTP client {} refused: {} for user '{}'", ctx.channel().remoteAddress(),
                error != null ? "login not checked" : "wrong user or password", user);
        answer(ctx, 407, "http_request_denied", "wrong user or password");
    }

    /**
     * 429 with Retry-After: the client's address or user is cooling off (logged once, when it started). Not 407,
     * which would invite the client to ask for a password and retry at once.
     */
    private void refuseThrottled(ChannelHandlerContext ctx, LoginThrottle.Refusal refusal) {
        tracker(ctx).abandoned();
        gw.listener().loginThrottled(ConnectRequest.Protocol.HTTP_CONNECT, refusal.scope().label());
        long seconds = Math.max(1, (refusal.retryAfter().toMillis() + 999) / 1000);
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), 429, "http_request_denied",
                refusal.scope().why() + "; try again in " + seconds + " s");
        response.headers().set("Retry-After", seconds);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void refuse(ChannelHandlerContext ctx, String reason, int status, String error, String detail) {
        log.debug("HTTP client {} refused ({}): {}", ctx.channel().remoteAddress(), status,
                "bad_target".equals(reason) ? gw.redactor().destination(detail) : detail);
        tracker(ctx).failed(reason);
        answer(ctx, status, error, detail);
    }

    private static void answer(ChannelHandlerContext ctx, int status, String error, String detail) {
        HttpFrontDoor.INSTANCE.failed(ctx, new ConnectFailure(SocksReply.GENERAL_FAILURE, status, error, detail));
    }

    /** Echoing the client's target back: keep it short and printable. */
    private static String printable(String text) {
        String shortened = text.length() > 100 ? text.substring(0, 100) + "…" : text;
        return shortened.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** Answers an oversized request itself, with the same headers as every other refusal, and closes. */
    private static final class Aggregator extends HttpObjectAggregator {
        private final GatewayContext gw;

        Aggregator(GatewayContext gw) {
            super(MAX_CONTENT);
            this.gw = gw;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            HandshakeTracker tracker = ctx.pipeline().get(HandshakeTracker.class);
            if (tracker != null) {
                tracker.failed("too_large");
            }
            answer(ctx, 413, "http_request_error", "request body larger than " + MAX_CONTENT
                    + " bytes; torgate only accepts CONNECT, which has no body");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            if (cause instanceof TooLongFrameException) {
                ctx.close();
                return;
            }
            super.exceptionCaught(ctx, cause);
        }
    }
}
