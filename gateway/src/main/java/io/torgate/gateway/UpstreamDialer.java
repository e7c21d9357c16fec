package io.torgate.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.proxy.Socks5ProxyHandler;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the upstream side of a tunnel, directly or through a SOCKS5 server, on the client's own event loop and
 * with the same channel type, so relaying between the two channels never crosses threads.
 * <p>
 * Through a SOCKS5 upstream whose route asks for it ({@link Route#withPipelinedHandshake()}), greeting, login
 * and CONNECT go out in one write ({@link PipelinedSocks5Handshake}); otherwise Netty's Socks5ProxyHandler talks
 * to it one round trip at a time.
 * <p>
 * Netty never resolves anything here: every bootstrap uses {@link NoopAddressResolverGroup}. Through a SOCKS5
 * upstream a domain name travels as an unresolved address and leaves as ATYP DOMAINNAME; only
 * {@link Route#direct()} resolves, explicitly, in {@link DirectResolver}.
 */
final class UpstreamDialer {

    static final String HOLD = "upstream-hold";
    private static final String PROXY = "upstream-socks5";
    private static final String CAPTURE = "upstream-socks5-status";
    private static final String PIPELINED = "upstream-socks5-pipelined";
    private static final Logger log = LoggerFactory.getLogger(UpstreamDialer.class);

    /**
     * Upstreams that refused the one method a pipelined greeting offers; few (one per configured upstream at
     * most), shared by all event loops.
     */
    private final Set<InetSocketAddress> stepByStepProxies = ConcurrentHashMap.newKeySet();

    /** Hears how a dial ended; called on the dial's event loop, at most once. */
    interface Callback {
        /**
         * The TCP connection to the SOCKS5 upstream is up and the handshake under way (not called for direct
         * dials); may come again if the dial starts over on a new connection.
         */
        default void opened(Channel upstream) { }

        void connected(Channel upstream);

        void failed(ConnectFailure failure, Throwable cause);
    }

    /** One dial in progress; cancel closes whatever it opened. Event loop only. */
    static final class Dial {
        private final Callback callback;
        private Channel channel;
        private boolean finished;

        private Dial(Callback callback) {
            this.callback = callback;
        }

        void cancel() {
            finished = true;
            if (channel != null) {
                channel.close();
            }
        }

        private void opened(Channel ch) {
            if (!finished) {
                callback.opened(ch);
            }
        }

        private void succeed(Channel ch) {
            if (finished) {
                ch.close();
                return;
            }
            finished = true;
            callback.connected(ch);
        }

        private void fail(ConnectFailure failure, Throwable cause) {
            if (channel != null) {
                channel.close();
            }
            if (finished) {
                return;
            }
            finished = true;
            callback.failed(failure, cause);
        }
    }

    private final ByteBufAllocator allocator;
    private final Transport transport;
    private final GatewayConfig config;
    private final DirectResolver resolver;

    UpstreamDialer(ByteBufAllocator allocator, Transport transport, GatewayConfig config, DirectResolver resolver) {
        this.allocator = allocator;
        this.transport = transport;
        this.config = config;
        this.resolver = resolver;
    }

    Dial dial(Route route, Destination destination, EventLoop loop, long timeoutMillis, Callback callback) {
        Dial dial = new Dial(callback);
        if (route.isDirect()) {
            dialDirect(dial, destination, loop, timeoutMillis);
        } else {
            dialSocks5(dial, route, destination, loop, timeoutMillis);
        }
        return dial;
    }

    private void dialDirect(Dial dial, Destination destination, EventLoop loop, long timeoutMillis) {
        if (destination.kind() != Destination.Kind.DOMAIN) {
            connectDirect(dial, new InetSocketAddress(literal(destination.host()), destination.port()), loop,
                    timeoutMillis);
            return;
        }
        // Direct mode only: the gateway is the last hop, so it must turn the name into an address itself.
        resolver.resolve(destination.host()).whenComplete((address, error) -> loop.execute(() -> {
            if (dial.finished) {
                return;
            }
            if (error != null) {
                dial.fail(UpstreamFailures.direct(error), UpstreamFailures.unwrap(error));
            } else {
                connectDirect(dial, new InetSocketAddress(address, destination.port()), loop, timeoutMillis);
            }
        }));
    }

    private void connectDirect(Dial dial, InetSocketAddress address, EventLoop loop, long timeoutMillis) {
        ChannelFuture connect = bootstrap(loop, timeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(HOLD, new HoldInbound());
                    }
                })
                .connect(address);
        dial.channel = connect.channel();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                dial.succeed(connect.channel());
            } else {
                dial.fail(UpstreamFailures.direct(f.cause()), f.cause());
            }
        });
    }

    private void dialSocks5(Dial dial, Route route, Destination destination, EventLoop loop, long timeoutMillis) {
        if (route.pipelinedHandshake() && !stepByStepProxies.contains(route.socksProxy())) {
            dialPipelined(dial, route, destination, loop, timeoutMillis);
        } else {
            dialStepByStep(dial, route, destination, loop, timeoutMillis);
        }
    }

    /** Greeting, login and CONNECT in one write: one round trip to the upstream instead of three. */
    private void dialPipelined(Dial dial, Route route, Destination destination, EventLoop loop, long timeoutMillis) {
        long startNanos = System.nanoTime();
        Channel[] channel = new Channel[1];
        PipelinedSocks5Handshake handshake = new PipelinedSocks5Handshake(destination, route.username(),
                route.password(), new PipelinedSocks5Handshake.Listener() {
                    @Override
                    public void established() {
                        dial.succeed(channel[0]);
                    }

                    @Override
                    public void methodNotAccepted(int method) {
                        if (dial.finished) {
                            return;
                        }
                        if (stepByStepProxies.add(route.socksProxy())) {
                            log.info("Upstream {} answered a pipelined greeting with method 0x{}; dialling it step by "
                                    + "step from now on", route, String.format("%02x", method));
                        }
                        long leftMillis = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
                        dialStepByStep(dial, route, destination, loop, Math.max(1, leftMillis));
                    }

                    @Override
                    public void failed(ConnectFailure failure, Throwable cause) {
                        dial.fail(failure, cause);
                    }
                }, code -> UpstreamFailures.upstreamReply(code, route.observer()));
        ChannelFuture connect = bootstrap(loop, timeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(PIPELINED, handshake);
                        ch.pipeline().addLast(HOLD, new HoldInbound());
                    }
                })
                .connect(route.socksProxy());
        channel[0] = connect.channel();
        dial.channel = channel[0];
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                dial.fail(UpstreamFailures.proxyUnreachable(f.cause()), f.cause());
            } else {
                dial.opened(connect.channel());
            }
        });
    }

    /** Netty's SOCKS5 client: one request, one reply, next request; offers both no-auth and username/password. */
    private void dialStepByStep(Dial dial, Route route, Destination destination, EventLoop loop,
            long timeoutMillis) {
        Socks5ProxyHandler proxy = new Socks5ProxyHandler(route.socksProxy(), route.username(), route.password());
        // The connect attempt's own deadline covers routing, TCP connect and the SOCKS handshake as one budget.
        proxy.setConnectTimeoutMillis(0);
        Socks5StatusCapture capture = new Socks5StatusCapture();
        ChannelFuture connect = bootstrap(loop, timeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The proxy handler puts its decoder right before itself; the capture goes in between.
                        ch.pipeline().addLast(PROXY, proxy);
                        ch.pipeline().addBefore(PROXY, CAPTURE, capture);
                        ch.pipeline().addLast(HOLD, new HoldInbound());
                    }
                })
                .connect(socksDestination(destination));
        dial.channel = connect.channel();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                dial.fail(UpstreamFailures.proxyUnreachable(f.cause()), f.cause());
            } else {
                dial.opened(connect.channel());
            }
        });
        proxy.connectFuture().addListener(f -> {
            if (f.isSuccess()) {
                Channel ch = connect.channel();
                ch.pipeline().remove(CAPTURE);
                ch.pipeline().remove(PROXY);
                dial.succeed(ch);
            } else if (capture.status() != null) {
                dial.fail(UpstreamFailures.upstreamReply(capture.status(), route.observer()), f.cause());
            } else {
                dial.fail(UpstreamFailures.proxyHandshake(f.cause()), f.cause());
            }
        });
    }

    private Bootstrap bootstrap(EventLoop loop, long timeoutMillis) {
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.ALLOCATOR, allocator)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        timeoutMillis)));
    }

    /**
     * What the upstream SOCKS5 server is asked to connect to: IP literals as addresses (ATYP IPv4/IPv6), names
     * as unresolved addresses, which Netty's Socks5ProxyHandler sends as ATYP DOMAINNAME without resolving.
     */
    static InetSocketAddress socksDestination(Destination destination) {
        if (destination.kind() == Destination.Kind.DOMAIN) {
            return InetSocketAddress.createUnresolved(destination.host(), destination.port());
        }
        return new InetSocketAddress(literal(destination.host()), destination.port());
    }

    /** An IP literal as an InetAddress, without any DNS lookup. */
    static InetAddress literal(String ip) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }
}
