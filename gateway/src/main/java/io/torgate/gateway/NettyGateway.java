package io.torgate.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty implementation behind {@link Gateway#start(GatewayConfig)}. */
final class NettyGateway implements Gateway {

    private static final Logger log = LoggerFactory.getLogger(NettyGateway.class);

    private final EventLoopGroup workerGroup;
    private final PooledByteBufAllocator allocator;
    private final DirectResolver resolver;
    private final LoginChecks logins;
    private final TunnelRegistry tunnels;
    private final ChannelGroup clients;
    private final Listeners listeners;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NettyGateway(EventLoopGroup workerGroup, PooledByteBufAllocator allocator, DirectResolver resolver,
                         LoginChecks logins, TunnelRegistry tunnels, ChannelGroup clients, Listeners listeners) {
        this.workerGroup = workerGroup;
        this.allocator = allocator;
        this.resolver = resolver;
        this.logins = logins;
        this.tunnels = tunnels;
        this.clients = clients;
        this.listeners = listeners;
        this.address = listeners.address();
    }

    static NettyGateway start(GatewayConfig config) throws GatewayStartException {
        return start(config, new DirectResolver());
    }

    /** With the direct-mode resolver given (tests use a fake one, so no test ever sends a DNS query). */
    static NettyGateway start(GatewayConfig config, DirectResolver resolver) throws GatewayStartException {
        try {
            checkSafe(config);
        } catch (GatewayStartException e) {
            resolver.close();
            throw e;
        }
        Transport transport = Transport.select(config.nativeTransport());
        EventLoopGroup workers = transport.newGroup(config.ioThreads(), "torgate-io");
        // The gateway's own pool, so usedDirectMemory() measures this gateway and nothing else in the JVM.
        PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
        TunnelRegistry tunnels = new TunnelRegistry(config.maxTunnels(), config.maxTunnelsPerUser());
        GatewayContext gw = new GatewayContext(config, config.listener(), tunnels,
                new UpstreamDialer(allocator, transport, config, resolver), new Redactor(config.logDestinations()),
                new AtomicLong(), new LoginChecks(config.loginLimits()));
        ChannelGroup clients = new DefaultChannelGroup("torgate-clients", GlobalEventExecutor.INSTANCE);
        FrontDoorInitializer frontDoor = new FrontDoorInitializer(gw);
        WriteBufferWaterMark waterMark = new WriteBufferWaterMark(config.writeBufferLowWaterMark(),
                config.writeBufferHighWaterMark());
        // A template without groups: Listeners binds one copy per listener, each with its own groups.
        ServerBootstrap template = new ServerBootstrap()
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        clients.add(ch);
                        ch.pipeline().addLast(frontDoor);
                    }
                });
        Listeners listeners;
        try {
            listeners = Listeners.bind(template, transport, workers, config.acceptOnEveryLoop(), config.listen());
        } catch (Listeners.BindFailure e) {
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            resolver.close();
            gw.logins().close();
            Throwable cause = e.getCause();
            throw new GatewayStartException("cannot listen on " + describe(e.address) + ": " + cause.getMessage(),
                    cause);
        }
        // Refusals of unauthenticated input are logged once per reason per interval; this sums up the rest.
        workers.next().scheduleAtFixedRate(RefusalLog::flushAll, RefusalLog.INTERVAL.toSeconds(),
                RefusalLog.INTERVAL.toSeconds(), TimeUnit.SECONDS);
        NettyGateway gateway = new NettyGateway(workers, allocator, resolver, gw.logins(), tunnels, clients,
                listeners);
        log.info("torgate gateway listening on {} (SOCKS5 + HTTP CONNECT, {} transport, {}, {})",
                describe(gateway.address), transport.name().toLowerCase(java.util.Locale.ROOT),
                listeners.onEveryLoop()
                        ? "accepting on each of " + listeners.count() + " event loops (SO_REUSEPORT)"
                        : "one accept thread for " + countLoops(workers) + " event loops",
                config.authenticator().usersConfigured() ? "users required" : "no users: loopback only");
        return gateway;
    }

    /** Refuses configurations that would run an open proxy. */
    static void checkSafe(GatewayConfig config) throws GatewayStartException {
        InetSocketAddress listen = config.listen();
        if (listen.isUnresolved()) {
            throw new GatewayStartException("listen address '" + listen.getHostString()
                    + "' is not an IP address; give an IP such as 127.0.0.1");
        }
        if (!listen.getAddress().isLoopbackAddress() && !config.authenticator().usersConfigured()) {
            throw new GatewayStartException("refusing to listen on " + describe(listen)
                    + " without users: anyone who can reach that address could use the proxy. Configure users,"
                    + " or listen on a loopback address such as 127.0.0.1");
        }
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static int countLoops(EventLoopGroup group) {
        int n = 0;
        for (EventExecutor ignored : group) {
            n++;
        }
        return n;
    }

    /** The listening channels, for tests: one per event loop, or one on the accept thread. */
    List<Channel> listenerChannels() {
        return listeners.channels();
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public int activeTunnels() {
        return tunnels.active();
    }

    @Override
    public long usedDirectMemory() {
        return allocator.metric().usedDirectMemory();
    }

    @Override
    public void updateLimits(int maxTunnels, int maxTunnelsPerUser) {
        tunnels.updateLimits(maxTunnels, maxTunnelsPerUser);
        log.info("tunnel limits now {} in total, {} per user (0 = unlimited)", maxTunnels, maxTunnelsPerUser);
    }

    @Override
    public void stopAccepting() {
        // Waiting lets a caller rely on new connections being refused afterwards; an event loop cannot wait.
        listeners.close(!onOwnEventLoop());
    }

    @Override
    public void shutdown(Duration grace) {
        if (onOwnEventLoop()) {
            throw new IllegalStateException("shutdown blocks; call it from outside the gateway's event loops");
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopAccepting();
        boolean drained;
        try {
            drained = tunnels.awaitIdle(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            log.info("Closing {} tunnel(s) still open after the {} grace period", tunnels.active(), grace);
        }
        for (RelayTunnel tunnel : tunnels.liveTunnels()) {
            tunnel.abortFromAnyThread("gateway shutting down");
        }
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        listeners.stopAcceptThread();
        workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workerGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        resolver.close();
        logins.close();
        log.info("torgate gateway on {} stopped", describe(address));
    }

    private boolean onOwnEventLoop() {
        if (listeners.onAcceptThread()) {
            return true;
        }
        for (EventExecutor executor : workerGroup) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
