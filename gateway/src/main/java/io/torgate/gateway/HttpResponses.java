package io.torgate.gateway;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The HTTP front door's error answers: a short text body with the reason, {@code Connection: close}, and an
 * RFC 9209 {@code Proxy-Status} header naming the error type, e.g.
 * {@code Proxy-Status: torgate; error=connection_refused; details="the destination refused the connection"}.
 */
final class HttpResponses {

    static final String PROXY_STATUS = "Proxy-Status";
    static final String PROXY_NAME = "torgate";
    static final String REALM_CHALLENGE = "Basic realm=\"torgate\"";

    private HttpResponses() {
    }

    static FullHttpResponse error(ByteBufAllocator alloc, int status, String proxyStatusError, String reason) {
        // Header names in their usual capitalisation: people read these answers in curl -v output.
        String body = reason + "\n";
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), ByteBufUtil.writeUtf8(alloc, body));
        response.headers()
                .set("Content-Type", "text/plain; charset=utf-8")
                .set("Content-Length", response.content().readableBytes())
                .set("Connection", "close")
                .set(PROXY_STATUS, proxyStatus(proxyStatusError, reason));
        if (status == 407) {
            response.headers().set("Proxy-Authenticate", REALM_CHALLENGE);
        } else if (status == 405) {
            // RFC 9110 §15.5.6: a 405 lists the methods the target does support.
            response.headers().set("Allow", "CONNECT");
        }
        return response;
    }

    /** A Proxy-Status member (RFC 9209 §2): the proxy's name with the error and details parameters. */
    static String proxyStatus(String error, String details) {
        return PROXY_NAME + "; error=" + error + "; details=" + sfString(details);
    }

    /** An RFC 8941 sf-string: printable ASCII only, with backslash and double quote escaped. */
    static String sfString(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c >= 0x20 && c <= 0x7e) {
                sb.append(c);
            } else {
                sb.append('?');
            }
        }
        return sb.append('"').toString();
    }
}
