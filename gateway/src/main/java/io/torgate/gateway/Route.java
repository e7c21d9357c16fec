package io.torgate.gateway;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * How to reach a destination: dial it directly, or through a SOCKS5 upstream (a Tor SocksPort) with a
 * username/password that Tor's IsolateSOCKSAuth uses to keep circuits apart. The observer hears about the
 * tunnel's life, so the router can track and close tunnels per upstream.
 */
public final class Route {

    private final InetSocketAddress socksProxy; // null = direct
    private final String username;
    private final String password;
    private final TunnelObserver observer;
    private final boolean pipelinedHandshake;

    private Route(InetSocketAddress socksProxy, String username, String password, TunnelObserver observer,
            boolean pipelinedHandshake) {
        this.socksProxy = socksProxy;
        this.username = username;
        this.password = password;
        this.observer = Objects.requireNonNull(observer, "observer");
        this.pipelinedHandshake = pipelinedHandshake;
    }

    /** The gateway dials the destination itself. */
    public static Route direct() {
        return new Route(null, null, null, TunnelObserver.NONE, false);
    }

    /** Through a SOCKS5 server, authenticating with this isolation credential (both may be null = no auth). */
    public static Route socks5(InetSocketAddress proxy, String username, String password) {
        Objects.requireNonNull(proxy, "proxy");
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("username and password go together");
        }
        return new Route(proxy, username, password, TunnelObserver.NONE, false);
    }

    public Route withObserver(TunnelObserver observer) {
        return new Route(socksProxy, username, password, observer, pipelinedHandshake);
    }

    /**
     * This SOCKS5 upstream gets greeting, username/password and CONNECT in one write instead of one round trip
     * each (Tor handles that). The greeting then offers only the one method the route needs; an upstream that
     * picks another one (say, no authentication on a server without logins) is dialled again step by step, and
     * from then on always step by step. Ignored for direct routes.
     */
    public Route withPipelinedHandshake() {
        return new Route(socksProxy, username, password, observer, !isDirect());
    }

    /** Whether the SOCKS5 handshake with the upstream is sent in one write; see {@link #withPipelinedHandshake()}. */
    public boolean pipelinedHandshake() {
        return pipelinedHandshake;
    }

    public boolean isDirect() {
        return socksProxy == null;
    }

    /** The SOCKS5 upstream, or null when direct. */
    public InetSocketAddress socksProxy() {
        return socksProxy;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    public TunnelObserver observer() {
        return observer;
    }

    @Override
    public String toString() {
        return isDirect() ? "direct" : "socks5://" + socksProxy.getHostString() + ":" + socksProxy.getPort();
    }
}
