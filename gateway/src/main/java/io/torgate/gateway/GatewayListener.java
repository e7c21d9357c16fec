package io.torgate.gateway;

/**
 * Metrics hooks (in the manner of okhttp's EventListener). Every method has a no-op default; called on
 * Netty event loops, so implementations must be cheap and must not block. Labels passed here come from
 * bounded sets: no per-session or per-destination values.
 */
public interface GatewayListener {

    GatewayListener NONE = new GatewayListener() { };

    /** A client connected to the front door. */
    default void accepted() { }

    /** The client finished the SOCKS5 / HTTP handshake (up to the CONNECT request) after this many nanos. */
    default void handshakeCompleted(ConnectRequest.Protocol protocol, long nanos) { }

    /**
     * The handshake failed or timed out; reason from a bounded set (e.g. {@code bad_version}, {@code timeout}).
     * {@code protocol} is null when the first byte matched no protocol (reasons {@code socks4},
     * {@code unknown_protocol}).
     */
    default void handshakeFailed(ConnectRequest.Protocol protocol, String reason) { }

    /** Wrong user or password. */
    default void authFailed(ConnectRequest.Protocol protocol) { }

    /**
     * A login was refused before its password was checked: its client address ({@code source}) or its user
     * ({@code user}) is cooling off after too many failed logins ({@link LoginLimits}).
     */
    default void loginThrottled(ConnectRequest.Protocol protocol, String scope) { }

    /** The username's routing options were rejected by the grammar. */
    default void optionRejected(RouteRequestException.Reason reason) { }

    /** The router refused (policy, no exit, …). */
    default void routingRejected(String reason, SocksReply reply) { }

    /**
     * The route's observer rejected an upstream connection before the client was answered (e.g. tor used a
     * wrong exit) and the request was routed again; reason comes from {@link RetryRouteException#reason()}.
     */
    default void upstreamRejected(String reason) { }

    /** A tunnel limit refused the connection; limit is {@code total} or {@code per_user}. */
    default void limitRejected(String limit) { }

    /** The upstream accepted the CONNECT after this many nanos (from routing decision to reply). */
    default void upstreamConnected(long nanos) { }

    /**
     * The route's observer admitted the upstream connection this many nanos after the upstream accepted the
     * CONNECT ({@link TunnelObserver#admit}; for tor: waiting for tor's report of the exit). Just before the
     * client is answered.
     */
    default void upstreamAdmitted(long nanos) { }

    /** The upstream failed; reply is what the client was sent. */
    default void upstreamFailed(SocksReply reply) { }

    default void tunnelOpened(ConnectRequest.Protocol protocol) { }

    /** A tunnel ended, with the bytes relayed each way over its life. */
    default void tunnelClosed(long bytesClientToUpstream, long bytesUpstreamToClient) { }
}
