package io.torgate.gateway;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Chains every tunnel to one existing SOCKS5 server, typically a system tor on 127.0.0.1:9050. Each request
 * carries an {@link IsolationCredentials isolation credential} derived from its user and session, so Tor's
 * IsolateSOCKSAuth (on by default) keeps users and sessions on separate circuits; {@code rotate-each} gets a fresh
 * credential, hence a fresh circuit, per connection. Destination names go upstream unresolved.
 * <p>
 * One upstream cannot honour exit selection, so requests with country, exclude or exit options are refused with
 * 0x02 / 403 rather than routed somewhere they did not ask for.
 */
public final class Socks5ChainRouter implements Router {

    private final InetSocketAddress proxy;
    private final IsolationCredentials isolation;

    public Socks5ChainRouter(InetSocketAddress proxy) {
        this(proxy, IsolationCredentials.withRandomSecret());
    }

    public Socks5ChainRouter(InetSocketAddress proxy, IsolationCredentials isolation) {
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.isolation = Objects.requireNonNull(isolation, "isolation");
    }

    @Override
    public CompletionStage<Route> route(ConnectRequest request) {
        CompletableFuture<Route> refused = ExitSelection.refuseIfRequested(request.route(), "SOCKS5 chain");
        if (refused != null) {
            return refused;
        }
        IsolationCredentials.Credential credential = isolation.forRequest(request.route());
        // Pipelined: a tor SocksPort answers greeting, login and CONNECT sent in one write; any other server that
        // refuses the login method is dialled step by step instead (see Route#withPipelinedHandshake).
        return CompletableFuture.completedFuture(
                Route.socks5(proxy, credential.username(), credential.password()).withPipelinedHandshake());
    }

    @Override
    public String toString() {
        return "Socks5ChainRouter[" + proxy.getHostString() + ":" + proxy.getPort() + "]";
    }
}
