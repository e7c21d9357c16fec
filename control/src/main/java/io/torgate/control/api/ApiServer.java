package io.torgate.control.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control API: HTTP/1.1 on one Netty event loop of its own (never one of the gateway's), JSON in and out,
 * endpoints run on the API's own small thread pool. torgate reads the request line itself ({@link ApiConnection},
 * {@link RequestTarget}) rather than through the JDK's HttpServer, which routes a request, and answers some
 * targets ({@code //status}: "No context found", 404) before any handler, hence before any token check, could
 * see it. Here the bearer token, when one is configured, is checked on every request before its target is
 * parsed ({@link ApiDispatcher}). Logs method, path and status at debug; never headers, so never the token.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** Request bodies are small JSON objects; anything larger is refused before it is read. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** A request must arrive in full within this; a client that trickles it, or idles, is disconnected. */
    static final Duration REQUEST_TIME = Duration.ofSeconds(30);
    private static final int MAX_INITIAL_LINE = 8192;
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final EventLoopGroup io;
    private final ExecutorService executor;
    private final ApiDispatcher dispatcher;
    private final MeterRegistry registry;
    private final Duration requestTime;
    private Channel serverChannel;
    private InetSocketAddress address;

    private ApiServer(EventLoopGroup io, ExecutorService executor, ApiDispatcher dispatcher, MeterRegistry registry,
            Duration requestTime) {
        this.io = io;
        this.executor = executor;
        this.dispatcher = dispatcher;
        this.registry = registry;
        this.requestTime = requestTime;
    }

    /**
     * Checks the configuration, binds and starts serving.
     *
     * @param registry where to count requests per endpoint and status; null for none
     * @throws ApiStartException for an unsafe configuration (config error) or a bind failure
     */
    public static ApiServer start(ApiConfig config, Routes routes, MeterRegistry registry) throws ApiStartException {
        return start(config, routes, registry, REQUEST_TIME);
    }

    /** With another request time than {@link #REQUEST_TIME} (tests). */
    static ApiServer start(ApiConfig config, Routes routes, MeterRegistry registry, Duration requestTime)
            throws ApiStartException {
        config.checkSafe();
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(config.threads(), r -> {
            Thread t = new Thread(r, "torgate-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        EventLoopGroup io = new NioEventLoopGroup(1, new DefaultThreadFactory("torgate-api-io", true));
        ApiServer api = new ApiServer(io, executor, new ApiDispatcher(routes,
                config.token().map(BearerToken::new).orElse(null)), registry, requestTime);
        ChannelFuture bind = new ServerBootstrap()
                .group(io)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192),
                                new FlowControlHandler(), new ApiConnection(api));
                    }
                })
                .bind(config.listen())
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            api.stopThreads();
            Throwable e = bind.cause();
            throw new ApiStartException("cannot serve the API on " + ApiConfig.hostPort(config.listen()) + ": "
                    + e.getMessage(), false, e);
        }
        api.serverChannel = bind.channel();
        api.address = (InetSocketAddress) bind.channel().localAddress();
        log.info("control API on http://{} ({})", ApiConfig.hostPort(api.address),
                config.token().isPresent() ? "bearer token required" : "no token: loopback only");
        return api;
    }

    public InetSocketAddress address() {
        return address;
    }

    ApiDispatcher dispatcher() {
        return dispatcher;
    }

    ExecutorService executor() {
        return executor;
    }

    Duration requestTime() {
        return requestTime;
    }

    /**
     * Counts and logs one answered request. The target is the client's text: its path is printed escaped and cut
     * short, its query not at all.
     */
    void answered(String method, String target, ApiDispatcher.Answer answer, long startNanos) {
        if (registry != null) {
            Counter.builder("torgate.api.requests")
                    .description("Control API requests, by endpoint pattern and HTTP status")
                    .tag("endpoint", answer.endpoint())
                    .tag("status", Integer.toString(answer.status()))
                    .register(registry)
                    .increment();
        }
        if (log.isDebugEnabled()) {
            log.debug("API {} {} -> {} in {} ms", RequestTarget.printable(method),
                    RequestTarget.printable(target.split("\\?", 2)[0]),
                    answer.status(), (System.nanoTime() - startNanos) / 1_000_000);
        }
    }

    /** Stops listening, lets answers in progress finish for up to a second, and ends the API threads. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
                executor.awaitTermination(4, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Quiet period 0: answers handed to the loop before this are written, then every connection closes.
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        log.info("control API on http://{} stopped", ApiConfig.hostPort(address));
    }

    private void stopThreads() {
        executor.shutdownNow();
        io.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
