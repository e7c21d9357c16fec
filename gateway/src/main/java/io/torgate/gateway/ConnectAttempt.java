package io.torgate.gateway;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CONNECT on its way to becoming a tunnel: take a slot under the tunnel limits, ask the router, dial the
 * upstream, let the route's observer admit the upstream connection (or reject it, and then route again), all
 * within the connect timeout. Runs on the client's event loop; the router may complete on any thread and is
 * brought back here. Exactly one outcome is reported, and a router that never completes is cut off by the
 * deadline. While a SOCKS5 upstream handles the CONNECT, the route may watch it ({@link TunnelObserver#watch}) and
 * end the attempt early with a precise cause: tor, asked for a name its exit cannot resolve, would otherwise go on
 * trying other circuits until its own timeouts.
 */
final class ConnectAttempt {

    /** Routes tried per CONNECT when the observer keeps rejecting the upstream connection. */
    static final int MAX_ROUTES = 3;
    /**
     * How long a SOCKS5 failure reply waits for the route's watch ({@link TunnelObserver#watch}) to say why. Tor
     * sends its STREAM event and its SOCKS reply together, but they reach us on different connections.
     */
    static final Duration EXPLAIN_GRACE = Duration.ofMillis(250);

    private static final Logger log = LoggerFactory.getLogger(ConnectAttempt.class);

    /** Where the result goes (the front door). Called on the event loop, at most once. */
    interface Outcome {
        /** The upstream is ready; the tunnel slot now belongs to the caller's tunnel. */
        void connected(Route route, Channel upstream);

        void failed(ConnectFailure failure);
    }

    private final GatewayContext gw;
    private final ConnectRequest request;
    private final EventLoop loop;
    private final Outcome outcome;

    private long deadlineNanos;
    private ScheduledFuture<?> deadline;
    private Route route;
    private long routedNanos;
    private UpstreamDialer.Dial dial;
    /** The route's watch on the upstream connection being dialled; null when there is none. */
    private UpstreamWatch watch;
    /** Dialled, waiting for the observer's admission; closed if the attempt ends meanwhile. */
    private Channel admitting;
    private int routesTried;
    private long admissionStartNanos;
    private boolean slotHeld;
    private boolean done;

    ConnectAttempt(GatewayContext gw, ConnectRequest request, EventLoop loop, Outcome outcome) {
        this.gw = gw;
        this.request = request;
        this.loop = loop;
        this.outcome = outcome;
    }

    void start() {
        String refusedBy = gw.tunnels().tryAcquire(request.route().user());
        if (refusedBy != null) {
            done = true;
            gw.listener().limitRejected(refusedBy);
            log.info("Refused a tunnel for user {}: {} tunnel limit reached", request.route().user(), refusedBy);
            outcome.failed(ConnectFailure.limit(refusedBy));
            return;
        }
        slotHeld = true;
        long timeoutNanos = gw.config().connectTimeout().toNanos();
        deadlineNanos = System.nanoTime() + timeoutNanos;
        deadline = loop.schedule(this::timedOut, timeoutNanos, TimeUnit.NANOSECONDS);
        askRouter();
    }

    private void askRouter() {
        routesTried++;
        CompletionStage<Route> stage;
        try {
            stage = gw.config().router().route(request);
        } catch (RuntimeException e) {
            routed(null, e);
            return;
        }
        if (stage == null) {
            routed(null, new NullPointerException("router returned no CompletionStage"));
            return;
        }
        stage.whenComplete((r, error) -> {
            if (loop.inEventLoop()) {
                routed(r, error);
            } else {
                loop.execute(() -> routed(r, error));
            }
        });
    }

    private void routed(Route r, Throwable error) {
        if (done) {
            // Too late (timed out or the client left): tell the router its route went unused.
            if (r != null) {
                r.observer().failed(SocksReply.TTL_EXPIRED, new TimeoutException("route arrived after the attempt ended"));
            }
            return;
        }
        if (error != null || r == null) {
            Throwable cause = error == null ? new NullPointerException("router completed with no route")
                    : UpstreamFailures.unwrap(error);
            ConnectFailure failure;
            if (cause instanceof RoutingException) {
                RoutingException refusal = (RoutingException) cause;
                gw.listener().routingRejected(refusal.reason(), refusal.reply());
                log.debug("Router refused {}: {} ({})", gw.redactor().destination(request.destination()),
                        refusal.reason(), refusal.detail());
                failure = UpstreamFailures.refused(refusal);
            } else {
                gw.listener().routingRejected("router_error", SocksReply.GENERAL_FAILURE);
                log.warn("Router failed for a request of user {}", request.route().user(), cause);
                failure = ConnectFailure.internal("the gateway could not choose a route");
            }
            finish(failure);
            return;
        }
        route = r;
        routedNanos = System.nanoTime();
        long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - routedNanos));
        try {
            dial = gw.dialer().dial(r, request.destination(), loop, leftMillis, new UpstreamDialer.Callback() {
                @Override
                public void opened(Channel upstream) {
                    watch(r, upstream);
                }

                @Override
                public void connected(Channel upstream) {
                    dialled(upstream);
                }

                @Override
                public void failed(ConnectFailure failure, Throwable cause) {
                    dialFailed(failure, cause);
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not dial {} for a request of user {}", r, request.route().user(), e);
            gw.listener().upstreamFailed(SocksReply.GENERAL_FAILURE);
            r.observer().failed(SocksReply.GENERAL_FAILURE, e);
            finish(ConnectFailure.internal("the gateway could not dial the upstream"));
        }
    }

    /** Asks the route to watch the upstream connection while its CONNECT is on the way. */
    private void watch(Route r, Channel upstream) {
        stopWatch();
        CompletionStage<UpstreamCause> stage;
        try {
            stage = r.observer().watch(localAddress(upstream));
        } catch (RuntimeException e) {
            log.warn("Route observer failed to watch an upstream connection", e);
            return;
        }
        if (stage != null) {
            watch = UpstreamWatch.start(loop, stage, cause -> {
                if (!done && route == r && admitting == null) {
                    // The upstream would only retry or time out: answer now and close it (which ends the dial,
                    // whose failure then finds the attempt done; the dial may not even have returned yet).
                    settleDialFailure(UpstreamFailures.cause(cause), new UpstreamCauseException(cause));
                    upstream.close();
                }
            });
        }
    }

    /** Ends the route's watch (the attempt ended, or a new upstream connection is being watched). */
    private void stopWatch() {
        if (watch != null) {
            watch.stop();
            watch = null;
        }
    }

    private void dialled(Channel upstream) {
        if (done) {
            upstream.close();
            return;
        }
        gw.listener().upstreamConnected(System.nanoTime() - routedNanos);
        CompletionStage<Void> admission;
        try {
            admission = route.observer().admit(localAddress(upstream));
        } catch (RuntimeException e) {
            admission = CompletableFuture.failedStage(e);
        }
        admitting = upstream;
        admissionStartNanos = System.nanoTime();
        Route admittedRoute = route;
        admission.whenComplete((v, error) -> {
            if (loop.inEventLoop()) {
                admitted(admittedRoute, upstream, error);
            } else {
                loop.execute(() -> admitted(admittedRoute, upstream, error));
            }
        });
    }

    private static InetSocketAddress localAddress(Channel upstream) {
        return upstream.localAddress() instanceof InetSocketAddress a ? a : null;
    }

    private void admitted(Route r, Channel upstream, Throwable error) {
        if (done || admitting != upstream) {
            upstream.close(); // the attempt ended meanwhile (timeout, client gone); whoever ended it told the router
            return;
        }
        admitting = null;
        if (error == null) {
            gw.listener().upstreamAdmitted(System.nanoTime() - admissionStartNanos);
            accepted(upstream);
            return;
        }
        upstream.close();
        Throwable cause = UpstreamFailures.unwrap(error);
        if (cause instanceof RetryRouteException retry) {
            r.observer().failed(SocksReply.GENERAL_FAILURE, retry);
            gw.listener().upstreamRejected(retry.reason());
            if (routesTried < MAX_ROUTES) {
                log.debug("Upstream {} rejected ({}: {}); routing again", r, retry.reason(), retry.getMessage());
                stopWatch();
                route = null;
                askRouter();
                return;
            }
            log.info("Gave up on a request of user {} after {} routes were rejected (last: {}: {})",
                    request.route().user(), routesTried, retry.reason(), retry.getMessage());
            gw.listener().upstreamFailed(SocksReply.GENERAL_FAILURE);
            finish(ConnectFailure.of(SocksReply.GENERAL_FAILURE, UpstreamFailures.proxyStatusError(SocksReply.GENERAL_FAILURE),
                    "no acceptable upstream connection after " + routesTried + " tries (" + retry.reason() + ")"));
            return;
        }
        if (cause instanceof RoutingException refusal) {
            r.observer().failed(refusal.reply(), refusal);
            gw.listener().routingRejected(refusal.reason(), refusal.reply());
            finish(UpstreamFailures.refused(refusal));
            return;
        }
        log.warn("Could not check the upstream connection of a request of user {}: {}", request.route().user(),
                String.valueOf(cause));
        r.observer().failed(SocksReply.GENERAL_FAILURE, cause);
        gw.listener().upstreamFailed(SocksReply.GENERAL_FAILURE);
        finish(ConnectFailure.internal("the gateway could not check the upstream connection"));
    }

    private void accepted(Channel upstream) {
        done = true;
        deadline.cancel(false);
        stopWatch();
        slotHeld = false; // handed over with the channel
        outcome.connected(route, upstream);
    }

    private void dialFailed(ConnectFailure failure, Throwable cause) {
        if (done) {
            return;
        }
        if (watch == null) {
            settleDialFailure(failure, cause);
            return;
        }
        // The watch may name the cause in a moment (it usually arrives with the reply): wait a little for it.
        long leftNanos = deadlineNanos - System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(1);
        watch.explain(Math.min(EXPLAIN_GRACE.toNanos(), leftNanos), known -> {
            if (known == null) {
                settleDialFailure(failure, cause);
            } else {
                settleDialFailure(UpstreamFailures.cause(known), new UpstreamCauseException(known));
            }
        });
    }

    private void settleDialFailure(ConnectFailure failure, Throwable cause) {
        if (done) {
            return;
        }
        gw.listener().upstreamFailed(failure.reply());
        route.observer().failed(failure.reply(), cause);
        // Exception messages name the address they failed on, so they are logged only with destinations.
        log.debug("Upstream {} failed for {}: {} ({})", route, gw.redactor().destination(request.destination()),
                failure.reply(), gw.config().logDestinations() || cause == null ? String.valueOf(cause)
                        : cause.getClass().getSimpleName() + ": " + failure.detail());
        finish(failure);
    }

    private void timedOut() {
        if (done) {
            return;
        }
        ConnectFailure failure;
        if (route == null) {
            gw.listener().routingRejected("timeout", SocksReply.TTL_EXPIRED);
            failure = ConnectFailure.timeout("choosing a route timed out");
        } else {
            if (dial != null) {
                dial.cancel();
            }
            closeAdmitting();
            gw.listener().upstreamFailed(SocksReply.TTL_EXPIRED);
            route.observer().failed(SocksReply.TTL_EXPIRED, new TimeoutException("connect timed out"));
            failure = ConnectFailure.timeout("connecting to the destination timed out");
        }
        log.debug("Connect to {} timed out after {}", gw.redactor().destination(request.destination()),
                gw.config().connectTimeout());
        finish(failure);
    }

    /** The client went away while we were connecting: drop everything quietly. */
    void cancel() {
        if (done) {
            return;
        }
        done = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        stopWatch();
        if (dial != null) {
            dial.cancel();
        }
        closeAdmitting();
        if (route != null) {
            route.observer().failed(SocksReply.GENERAL_FAILURE, new ClosedChannelException());
        }
        releaseSlot();
    }

    private void closeAdmitting() {
        if (admitting != null) {
            admitting.close();
            admitting = null;
        }
    }

    private void finish(ConnectFailure failure) {
        done = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        stopWatch();
        releaseSlot();
        outcome.failed(failure);
    }

    /** The cause a route's watch gave, as the observer and the log hear it. */
    static final class UpstreamCauseException extends Exception {
        UpstreamCauseException(UpstreamCause cause) {
            super(UpstreamFailures.cause(cause).detail(), null, false, false);
        }
    }

    private void releaseSlot() {
        if (slotHeld) {
            slotHeld = false;
            gw.tunnels().release(request.route().user());
        }
    }
}
