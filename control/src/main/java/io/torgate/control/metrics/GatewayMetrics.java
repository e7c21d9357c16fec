package io.torgate.control.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.GatewayListener;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.SocksReply;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's data-path metrics, fed by its {@link GatewayListener} hooks on Netty event loops: only lock-free
 * counter increments and histogram records here. Every label comes from a bounded set (protocols, reply codes,
 * reasons); nothing per session, user or destination.
 */
final class GatewayMetrics implements GatewayListener {

    /** Histogram buckets for handshakes and upstream connects: loopback in milliseconds, Tor in seconds. */
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final Counter accepted;
    private final Map<ConnectRequest.Protocol, Timer> handshakes = new EnumMap<>(ConnectRequest.Protocol.class);
    private final Map<ConnectRequest.Protocol, Counter> tunnelsOpened = new EnumMap<>(ConnectRequest.Protocol.class);
    private final Map<ConnectRequest.Protocol, Counter> authFailures = new EnumMap<>(ConnectRequest.Protocol.class);
    /** protocol label + "/" + scope → throttled logins. */
    private final Map<String, Counter> loginsThrottled = new java.util.HashMap<>();
    private final Map<RouteRequestException.Reason, Counter> usernameRejections = new EnumMap<>(RouteRequestException.Reason.class);
    private final Map<SocksReply, Counter> upstreamFailures = new EnumMap<>(SocksReply.class);
    private final Counter established;
    private final Counter routingRejected;
    private final Counter limitRejected;
    private final Counter upstreamFailed;
    private final Timer upstreamConnect;
    private final Timer upstreamAdmission;
    private final Counter bytesClientToUpstream;
    private final Counter bytesUpstreamToClient;
    private final Counter tunnelsClosed;

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        accepted = Counter.builder("torgate.connections.accepted")
                .description("Client connections accepted by the front door (SOCKS5 and HTTP CONNECT)")
                .register(registry);
        for (ConnectRequest.Protocol p : ConnectRequest.Protocol.values()) {
            handshakes.put(p, Timer.builder("torgate.handshake.duration")
                    .description("Time from accepting a client to its complete CONNECT request")
                    .tag("protocol", protocol(p))
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry));
            tunnelsOpened.put(p, Counter.builder("torgate.tunnels.established")
                    .description("Tunnels established, by front-door protocol")
                    .tag("protocol", protocol(p))
                    .register(registry));
            authFailures.put(p, Counter.builder("torgate.auth.failures")
                    .description("Clients refused for a wrong or missing user or password")
                    .tag("protocol", protocol(p))
                    .register(registry));
            for (String scope : List.of("source", "user")) {
                loginsThrottled.put(protocol(p) + "/" + scope, Counter.builder("torgate.login.throttled")
                        .description("Logins refused before their password was checked: the client address or the"
                                + " user is cooling off after too many failed logins")
                        .tag("protocol", protocol(p))
                        .tag("scope", scope)
                        .register(registry));
            }
        }
        for (RouteRequestException.Reason r : RouteRequestException.Reason.values()) {
            usernameRejections.put(r, Counter.builder("torgate.username.rejections")
                    .description("Usernames whose routing options broke the grammar")
                    .tag("reason", r.label())
                    .register(registry));
        }
        established = opened("established");
        routingRejected = opened("routing_rejected");
        limitRejected = opened("limit_rejected");
        upstreamFailed = opened("upstream_failed");
        for (SocksReply reply : SocksReply.values()) {
            if (reply != SocksReply.SUCCEEDED) {
                upstreamFailures.put(reply, Counter.builder("torgate.upstream.failures")
                        .description("Upstream connects that failed, by the SOCKS5 reply the client got")
                        .tag("reply", reply(reply))
                        .tag("code", String.format("0x%02x", reply.code()))
                        .register(registry));
            }
        }
        // The tor pool's reasons exist from the start, so rate() has a zero to start from.
        upstreamRejections("exit_outside_route");
        for (String limit : new String[] {"total", "per_user"}) {
            limitRejections(limit); // both limits exist from the start, so rate() has a zero to start from
        }
        upstreamConnect = Timer.builder("torgate.upstream.connect.duration")
                .description("Time from the routing decision to the upstream's CONNECT reply")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
        upstreamAdmission = Timer.builder("torgate.upstream.admission.duration")
                .description("Time from the upstream's CONNECT reply to answering the client: for connections that"
                        + " ask for exits, and sessions, the wait for tor's report of the exit it used")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
        bytesClientToUpstream = bytes("client_to_upstream");
        bytesUpstreamToClient = bytes("upstream_to_client");
        tunnelsClosed = Counter.builder("torgate.tunnels.closed")
                .description("Established tunnels that have ended")
                .register(registry);
    }

    private Counter opened(String outcome) {
        return Counter.builder("torgate.tunnels.opened")
                .description("CONNECT requests past the handshake, by outcome: established, refused by the router,"
                        + " refused by a tunnel limit, or failed upstream")
                .tag("outcome", outcome)
                .register(registry);
    }

    private Counter bytes(String direction) {
        return Counter.builder("torgate.tunnel.transferred")
                .description("Bytes relayed by tunnels, counted when each tunnel ends")
                .baseUnit("bytes")
                .tag("direction", direction)
                .register(registry);
    }

    static String protocol(ConnectRequest.Protocol p) {
        return p == null ? "unknown" : p.name().toLowerCase(Locale.ROOT);
    }

    static String reply(SocksReply r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void accepted() {
        accepted.increment();
    }

    @Override
    public void handshakeCompleted(ConnectRequest.Protocol protocol, long nanos) {
        Timer t = protocol == null ? null : handshakes.get(protocol);
        if (t != null) {
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void handshakeFailed(ConnectRequest.Protocol protocol, String reason) {
        // Reasons are a small fixed set named by the gateway (bad_version, timeout, client_closed, ...).
        Counter.builder("torgate.handshake.failures")
                .description("Client handshakes that failed or timed out, by protocol and reason")
                .tag("protocol", protocol(protocol))
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    @Override
    public void loginThrottled(ConnectRequest.Protocol protocol, String scope) {
        Counter c = protocol == null ? null : loginsThrottled.get(protocol(protocol) + "/" + scope);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void authFailed(ConnectRequest.Protocol protocol) {
        Counter c = protocol == null ? null : authFailures.get(protocol);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void optionRejected(RouteRequestException.Reason reason) {
        usernameRejections.get(reason).increment();
    }

    @Override
    public void routingRejected(String reason, SocksReply reply) {
        routingRejected.increment();
        // The router's reasons form a bounded set by contract (RoutingException#reason).
        Counter.builder("torgate.routing.rejections")
                .description("Requests the router refused, by reason and SOCKS5 reply")
                .tag("reason", reason)
                .tag("reply", reply(reply))
                .register(registry)
                .increment();
    }

    @Override
    public void upstreamAdmitted(long nanos) {
        upstreamAdmission.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void upstreamRejected(String reason) {
        upstreamRejections(reason).increment();
    }

    /** Reasons form a bounded set by contract (RetryRouteException#reason). */
    private Counter upstreamRejections(String reason) {
        return Counter.builder("torgate.upstream.rejections")
                .description("Upstream connections dropped before the client was answered and routed again,"
                        + " by reason (tor used an exit outside the profile; a session was held on its exit)")
                .tag("reason", reason)
                .register(registry);
    }

    @Override
    public void limitRejected(String limit) {
        limitRejected.increment();
        limitRejections(limit).increment();
    }

    private Counter limitRejections(String limit) {
        return Counter.builder("torgate.limit.rejections")
                .description("Requests refused by a tunnel limit (total or per_user)")
                .tag("limit", limit)
                .register(registry);
    }

    @Override
    public void upstreamConnected(long nanos) {
        upstreamConnect.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void upstreamFailed(SocksReply reply) {
        upstreamFailed.increment();
        Counter c = upstreamFailures.get(reply);
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void tunnelOpened(ConnectRequest.Protocol protocol) {
        established.increment();
        tunnelsOpened.get(protocol).increment();
    }

    @Override
    public void tunnelClosed(long bytesClientToUpstream, long bytesUpstreamToClient) {
        tunnelsClosed.increment();
        this.bytesClientToUpstream.increment(bytesClientToUpstream);
        this.bytesUpstreamToClient.increment(bytesUpstreamToClient);
    }
}
