package io.torgate.control.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the API, one request at a time (AUTO_READ off, one message per read behind a
 * FlowControlHandler). The token is checked on the request head, before the target is looked at or a byte of
 * the body is read; a refused request is answered and the connection closed, its body unread. An authenticated
 * request's body (at most {@link ApiServer#MAX_BODY_BYTES}) is read in full, then the request goes to the
 * API's own threads, never this event loop. Every request must arrive within {@link ApiServer#REQUEST_TIME}
 * of the connection or the previous answer, so neither a trickling nor an idle client holds a connection.
 */
final class ApiConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ApiConnection.class);

    private final ApiServer server;
    private ScheduledFuture<?> deadline;
    /** The head of the request being read; null between requests and after a refusal. */
    private HttpRequest request;
    private ByteArrayOutputStream body;
    private long startNanos;

    ApiConnection(ApiServer server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        awaitRequest(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest r) {
                head(ctx, r);
            }
            if (msg instanceof HttpContent c && request != null) {
                content(ctx, c);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void head(ChannelHandlerContext ctx, HttpRequest r) {
        startNanos = System.nanoTime();
        String method = r.method().name();
        DecoderResult decoded = r.decoderResult();
        if (decoded.isFailure()) {
            // Not HTTP we can read: no header of it can be trusted, the token's included.
            Throwable cause = decoded.cause();
            int status = cause instanceof TooLongHttpLineException ? 414
                    : cause instanceof TooLongHttpHeaderException ? 431 : 400;
            refuse(ctx, method, r.uri(), new ApiException(status, "bad_request", "malformed HTTP request: "
                    + RequestTarget.printable(String.valueOf(cause.getMessage()))));
            return;
        }
        ApiDispatcher.Answer denied = server.dispatcher().authenticate(r.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (denied != null) {
            answer(ctx, method, r.uri(), denied, true);
            return;
        }
        long declared;
        try {
            declared = HttpUtil.getContentLength(r, -1L);
        } catch (NumberFormatException e) {
            refuse(ctx, method, r.uri(), ApiException.badRequest("bad_request", "Content-Length '"
                    + RequestTarget.printable(r.headers().get(HttpHeaderNames.CONTENT_LENGTH)) + "' is not a number"));
            return;
        }
        if (declared > ApiServer.MAX_BODY_BYTES) {
            refuse(ctx, method, r.uri(), tooLarge());
            return;
        }
        if (HttpUtil.is100ContinueExpected(r)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        request = r;
        body = new ByteArrayOutputStream(declared > 0 ? (int) declared : 64);
        if (!(r instanceof LastHttpContent)) {
            ctx.read();
        }
    }

    private void content(ChannelHandlerContext ctx, HttpContent c) {
        if (c.decoderResult().isFailure()) {
            refuse(ctx, request.method().name(), request.uri(), ApiException.badRequest("bad_request",
                    "malformed HTTP request body: " + RequestTarget.printable(String.valueOf(c.decoderResult()
                            .cause().getMessage()))));
            return;
        }
        ByteBuf bytes = c.content();
        if (body.size() + bytes.readableBytes() > ApiServer.MAX_BODY_BYTES) {
            refuse(ctx, request.method().name(), request.uri(), tooLarge());
            return;
        }
        body.writeBytes(ByteBufUtil.getBytes(bytes));
        if (c instanceof LastHttpContent) {
            dispatch(ctx);
        } else {
            ctx.read();
        }
    }

    /** The request is in: nothing more is read until it is answered. */
    private void dispatch(ChannelHandlerContext ctx) {
        cancelDeadline();
        HttpRequest r = request;
        byte[] b = body.toByteArray();
        request = null;
        body = null;
        String method = r.method().name();
        boolean close = !HttpUtil.isKeepAlive(r);
        try {
            server.executor().execute(() -> {
                ApiDispatcher.Answer a = server.dispatcher().dispatch(method, r.uri(), b);
                ctx.executor().execute(() -> answer(ctx, method, r.uri(), a, close));
            });
        } catch (RejectedExecutionException e) {
            answer(ctx, method, r.uri(), ApiDispatcher.Answer.of(new ApiException(503, "unavailable",
                    "the API is shutting down")), true);
        }
    }

    private void refuse(ChannelHandlerContext ctx, String method, String target, ApiException e) {
        answer(ctx, method, target, ApiDispatcher.Answer.of(e), true);
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "body_too_large", "request bodies are at most " + ApiServer.MAX_BODY_BYTES
                + " bytes");
    }

    /** Writes the answer; then either closes (a refusal's body is never read) or waits for the next request. */
    private void answer(ChannelHandlerContext ctx, String method, String target, ApiDispatcher.Answer a,
            boolean close) {
        request = null;
        body = null;
        cancelDeadline();
        FullHttpResponse response = response(a);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        server.answered(method, target, a, startNanos);
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                log.debug("API client went away before the answer was written: {}", f.cause().toString());
                ctx.close();
            } else if (close) {
                ctx.close();
            } else {
                awaitRequest(ctx);
            }
        });
    }

    private static FullHttpResponse response(ApiDispatcher.Answer a) {
        ApiResponse r = a.response();
        byte[] bytes = r.isJson() ? Json.write(r.json()) : r.text().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, r.isJson() ? "application/json; charset=utf-8" : r.contentType())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        for (Map.Entry<String, String> h : a.headers().entrySet()) {
            response.headers().set(h.getKey(), h.getValue());
        }
        return response;
    }

    /** Reads the next request, which must be complete within the request time. */
    private void awaitRequest(ChannelHandlerContext ctx) {
        cancelDeadline();
        deadline = ctx.executor().schedule(() -> {
            log.debug("API connection closed: no complete request within {}", server.requestTime());
            ctx.close();
        }, server.requestTime().toNanos(), TimeUnit.NANOSECONDS);
        ctx.read();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and the like: expected on any server, and nothing the operator can act on.
        log.debug("API connection closed: {}", cause.toString());
        ctx.close();
    }
}
