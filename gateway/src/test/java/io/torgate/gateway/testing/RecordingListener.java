package io.torgate.gateway.testing;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.GatewayListener;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.SocksReply;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Records every GatewayListener call as a short string such as {@code handshakeFailed:SOCKS5:timeout}. */
public final class RecordingListener implements GatewayListener {

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final AtomicLong bytesUp = new AtomicLong();
    private final AtomicLong bytesDown = new AtomicLong();

    public List<String> events() {
        return List.copyOf(events);
    }

    public long count(String event) {
        return events.stream().filter(event::equals).count();
    }

    public long bytesClientToUpstream() {
        return bytesUp.get();
    }

    public long bytesUpstreamToClient() {
        return bytesDown.get();
    }

    @Override
    public void loginThrottled(ConnectRequest.Protocol protocol, String scope) {
        events.add("loginThrottled:" + protocol + ":" + scope);
    }

    @Override
    public void accepted() {
        events.add("accepted");
    }

    @Override
    public void handshakeCompleted(ConnectRequest.Protocol protocol, long nanos) {
        events.add("handshakeCompleted:" + protocol);
    }

    @Override
    public void handshakeFailed(ConnectRequest.Protocol protocol, String reason) {
        events.add("handshakeFailed:" + protocol + ":" + reason);
    }

    @Override
    public void authFailed(ConnectRequest.Protocol protocol) {
        events.add("authFailed:" + protocol);
    }

    @Override
    public void optionRejected(RouteRequestException.Reason reason) {
        events.add("optionRejected:" + reason.label());
    }

    @Override
    public void routingRejected(String reason, SocksReply reply) {
        events.add("routingRejected:" + reason + ":" + reply);
    }

    @Override
    public void upstreamRejected(String reason) {
        events.add("upstreamRejected:" + reason);
    }

    @Override
    public void limitRejected(String limit) {
        events.add("limitRejected:" + limit);
    }

    @Override
    public void upstreamConnected(long nanos) {
        events.add("upstreamConnected");
    }

    @Override
    public void upstreamFailed(SocksReply reply) {
        events.add("upstreamFailed:" + reply);
    }

    @Override
    public void tunnelOpened(ConnectRequest.Protocol protocol) {
        events.add("tunnelOpened:" + protocol);
    }

    @Override
    public void tunnelClosed(long bytesClientToUpstream, long bytesUpstreamToClient) {
        bytesUp.addAndGet(bytesClientToUpstream);
        bytesDown.addAndGet(bytesUpstreamToClient);
        events.add("tunnelClosed");
    }
}
