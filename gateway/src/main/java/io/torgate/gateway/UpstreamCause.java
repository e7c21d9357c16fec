package io.torgate.gateway;

/**
 * Why an upstream cannot reach the destination, when a router knows it more precisely than the SOCKS5 reply
 * code says (see {@link TunnelObserver#watch}). The gateway turns it into the client's answer.
 */
public enum UpstreamCause {
    /**
     * The destination host name does not resolve: for tor, the exit's resolver answered that the name has no
     * address (tor's RESOLVEFAILED). SOCKS5 {@code 0x04}, HTTP {@code 502} with {@code Proxy-Status} error
     * {@code dns_error} (RFC 9209 §2.3.2).
     */
    DNS_ERROR,
    /**
     * No circuit through the exit this connection needs could be built (the router gave up on it while the
     * connection waited; the exit is likely down). SOCKS5 {@code 0x04}, HTTP {@code 502} with {@code Proxy-Status}
     * error {@code destination_unavailable}.
     */
    NO_CIRCUIT
}
