package io.torgate.control.api;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Route;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.Router;
import io.torgate.gateway.UsernameGrammar;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The router of a dedicated proxy port: imposes the port's {@link GeoPolicy} on every request, whatever the
 * client's username says about countries or a pinned exit, then asks the main router. Connections without a
 * session of their own share the port's session (so the port keeps one exit, as tor-socks-proxy's ports do);
 * a client's own session or {@code rotate-each} is kept. Non-blocking, like the router it wraps.
 */
final class ForcedPolicyRouter implements Router {

    private final Router delegate;
    private final GeoPolicy policy;
    private final String portSession;

    ForcedPolicyRouter(Router delegate, GeoPolicy policy, String portSession) {
        this.delegate = delegate;
        this.policy = policy;
        this.portSession = portSession;
    }

    @Override
    public CompletionStage<Route> route(ConnectRequest request) {
        return delegate.route(new ConnectRequest(force(request.route()), request.destination(), request.client(),
                request.protocol()));
    }

    RouteRequest force(RouteRequest r) {
        Set<String> explicit = new HashSet<>(r.explicit());
        explicit.remove(UsernameGrammar.EXIT);
        explicit.add(UsernameGrammar.MODE);
        if (!policy.countries().isEmpty()) {
            explicit.add(UsernameGrammar.COUNTRY);
        }
        if (!policy.excluded().isEmpty()) {
            explicit.add(UsernameGrammar.EXCLUDE);
        }
        Optional<String> session = r.session();
        java.time.Duration ttl = r.ttl();
        if (session.isEmpty() && !r.rotateEach()) {
            session = Optional.of(portSession);
            ttl = RouteRequest.MAX_TTL;
            explicit.add(UsernameGrammar.SESSION);
        }
        return new RouteRequest(r.user(), policy.countries(), policy.excluded(), session, ttl, policy.mode(),
                Optional.empty(), r.rotateEach(), explicit);
    }

    @Override
    public String toString() {
        return "ForcedPolicyRouter[" + policy.category() + ", " + policy.modeName() + " -> " + delegate + "]";
    }
}
