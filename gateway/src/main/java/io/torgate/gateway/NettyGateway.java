package io.torgate.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty implementation behind {@link Gateway#start(GatewayConfig)}. */
final class NettyGateway implements Gateway {

    private static final Logger log = LoggerFactory.getLogger(NettyGateway.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final PooledByteBufAllocator allocator;
    private final DirectResolver resolver;
    private final LoginChecks logins;
    private final TunnelRegistry tunnels;
    private final ChannelGroup clients;
    private final Channel serverChannel;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NettyGateway(EventLoopGroup bossGroup, EventLoopGroup workerGroup,
                         PooledByteBufAllocator allocator, DirectResolver resolver, LoginChecks logins,
                         TunnelRegistry tunnels, ChannelGroup clients, Channel serverChannel) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.allocator = allocator;
        this.resolver = resolver;
        this.logins = logins;
        this.tunnels = tunnels;
        this.clients = clients;
        this.serverChannel = serverChannel;
        this.address = (InetSocketAddress) serverChannel.localAddress();
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
        EventLoopGroup boss = transport.newGroup(1, "torgate-accept");
        EventLoopGroup workers = transport.newGroup(config.ioThreads(), "torgate-io");
        // The gateway's own pool, so usedDirectMemory() measures this gateway and nothing else in the JVM.
        PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
        TunnelRegistry tunnels = new TunnelRegistry(config.maxTunnels(), config.maxTunnelsPerUser());
        GatewayContext gw = new GatewayContext(config, config.listener(), tunnels,
                new UpstreamDialer(allocator, transport, config, resolver), new Redactor(config.logDestinations()),
                new AtomicLong(), new LoginChecks());
        ChannelGroup clients = new DefaultChannelGroup("torgate-clients", GlobalEventExecutor.INSTANCE);
        FrontDoorInitializer frontDoor = new FrontDoorInitializer(gw);
        WriteBufferWaterMark waterMark = new WriteBufferWaterMark(config.writeBufferLowWaterMark(),
                config.writeBufferHighWaterMark());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
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
        ChannelFuture bind = bootstrap.bind(config.listen()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            resolver.close();
            gw.logins().close();
            Throwable cause = bind.cause();
            throw new GatewayStartException("cannot listen on " + describe(config.listen()) + ": "
                    + cause.getMessage(), cause);
        }
        NettyGateway gateway = new NettyGateway(boss, workers, allocator, resolver, gw.logins(), tunnels, clients,
                bind.channel());
        log.info("torgate gateway listening on {} (SOCKS5 + HTTP CONNECT, {} transport, {})",
                describe(gateway.address), transport.name().toLowerCase(java.util.Locale.ROOT),
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
        ChannelFuture closed = serverChannel.close();
        if (!onOwnEventLoop()) {
            closed.awaitUninterruptibly(); // so a caller can rely on new connections being refused afterwards
        }
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
        bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        bossGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        workerGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        resolver.close();
        logins.close();
        log.info("torgate gateway on {} stopped", describe(address));
    }

    private boolean onOwnEventLoop() {
        for (EventLoopGroup group : new EventLoopGroup[] {bossGroup, workerGroup}) {
            for (EventExecutor executor : group) {
                if (executor.inEventLoop()) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
