package io.torgate.gateway;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shields the data path from a faulty {@link GatewayListener}: a metrics hook that throws must not break a
 * handshake or leave a tunnel half torn down. Failures are logged and otherwise ignored.
 */
final class SafeListener implements GatewayListener {

    private static final Logger log = LoggerFactory.getLogger(SafeListener.class);

    private final GatewayListener delegate;

    private SafeListener(GatewayListener delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    static GatewayListener wrap(GatewayListener listener) {
        return listener instanceof SafeListener ? listener : new SafeListener(listener);
    }

    private void run(String hook, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("GatewayListener.{} threw; ignoring", hook, e);
        }
    }

    @Override
    public void accepted() {
        run("accepted", delegate::accepted);
    }

    @Override
    public void handshakeCompleted(ConnectRequest.Protocol protocol, long nanos) {
        run("handshakeCompleted", () -> delegate.handshakeCompleted(protocol, nanos));
    }

    @Override
    public void handshakeFailed(ConnectRequest.Protocol protocol, String reason) {
        run("handshakeFailed", () -> delegate.handshakeFailed(protocol, reason));
    }

    @Override
    public void authFailed(ConnectRequest.Protocol protocol) {
        run("authFailed", () -> delegate.authFailed(protocol));
    }

    @Override
    public void loginThrottled(ConnectRequest.Protocol protocol, String scope) {
        run("loginThrottled", () -> delegate.loginThrottled(protocol, scope));
    }

    @Override
    public void optionRejected(RouteRequestException.Reason reason) {
        run("optionRejected", () -> delegate.optionRejected(reason));
    }

    @Override
    public void routingRejected(String reason, SocksReply reply) {
        run("routingRejected", () -> delegate.routingRejected(reason, reply));
    }

    @Override
    public void upstreamAdmitted(long nanos) {
        run("upstreamAdmitted", () -> delegate.upstreamAdmitted(nanos));
    }

    @Override
    public void upstreamRejected(String reason) {
        run("upstreamRejected", () -> delegate.upstreamRejected(reason));
    }

    @Override
    public void limitRejected(String limit) {
        run("limitRejected", () -> delegate.limitRejected(limit));
    }

    @Override
    public void upstreamConnected(long nanos) {
        run("upstreamConnected", () -> delegate.upstreamConnected(nanos));
    }

    @Override
    public void upstreamFailed(SocksReply reply) {
        run("upstreamFailed", () -> delegate.upstreamFailed(reply));
    }

    @Override
    public void tunnelOpened(ConnectRequest.Protocol protocol) {
        run("tunnelOpened", () -> delegate.tunnelOpened(protocol));
    }

    @Override
    public void tunnelClosed(long bytesClientToUpstream, long bytesUpstreamToClient) {
        run("tunnelClosed", () -> delegate.tunnelClosed(bytesClientToUpstream, bytesUpstreamToClient));
    }
}
