package io.torgate.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The far end of every benchmark tunnel: a loopback sink/source speaking {@link SinkProtocol}. Bulk data comes
 * from one shared read-only 64 KiB buffer, so the sink costs little CPU of its own and the figures are about the
 * proxy in between. Runs in-process (smoke test) or as its own process ({@link #main}), which the full run uses
 * so that its 10,000 idle connections do not count against the load client's file descriptors.
 */
public final class SinkServer implements AutoCloseable {

    private static final int CHUNK = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel server;
    private final ByteBuf chunkMemory;

    private SinkServer(EventLoopGroup group, Channel server, ByteBuf chunkMemory) {
        this.group = group;
        this.server = server;
        this.chunkMemory = chunkMemory;
    }

    public static SinkServer start(InetSocketAddress listen, int threads) throws InterruptedException {
        EventLoopGroup group = NettyTransport.group(threads, "sink");
        byte[] pattern = new byte[CHUNK];
        for (int i = 0; i < CHUNK; i++) {
            pattern[i] = (byte) i;
        }
        ByteBuf base = Unpooled.directBuffer(CHUNK).writeBytes(pattern);
        // Sessions send slices of it; none can release it, close() does.
        ByteBuf chunk = Unpooled.unreleasableBuffer(base.asReadOnly());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NettyTransport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new Session(chunk));
                        }
                    })
                    .bind(listen).sync().channel();
            return new SinkServer(group, server, base);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            base.release();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        chunkMemory.release();
    }

    /** One client: reads its request, then answers or streams. */
    private static final class Session extends ChannelInboundHandlerAdapter {
        private final ByteBuf chunk;
        private final ByteBuf request = Unpooled.buffer(SinkProtocol.REQUEST_BYTES);
        private long toSend;

        Session(ByteBuf chunk) {
            this.chunk = chunk;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (request.isWritable()) {
                    in.readBytes(request, Math.min(in.readableBytes(), request.writableBytes()));
                    if (!request.isWritable()) {
                        answer(ctx, request.getByte(0), request.getLong(1));
                    }
                }
                if (!request.isWritable() && in.isReadable()) {
                    // Anything after the request asks the sink to stop and close first (see SinkProtocol).
                    toSend = 0;
                    ctx.close();
                }
            } finally {
                in.release();
            }
        }

        private void answer(ChannelHandlerContext ctx, byte op, long arg) {
            switch (op) {
                case SinkProtocol.DOWNLOAD -> {
                    toSend = arg;
                    stream(ctx);
                }
                case SinkProtocol.PING -> ctx.writeAndFlush(ctx.alloc().buffer(8).writeLong(arg))
                        .addListener(ChannelFutureListener.CLOSE);
                case SinkProtocol.HOLD -> ctx.writeAndFlush(ctx.alloc().buffer(8).writeLong(arg));
                default -> ctx.close();
            }
        }

        /** Writes while the channel takes more; resumes on writability. */
        private void stream(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            while (toSend > 0 && ch.isWritable()) {
                int n = (int) Math.min(CHUNK, toSend);
                toSend -= n;
                ctx.write(chunk.retainedSlice(0, n), ctx.voidPromise());
            }
            ctx.flush();
            if (toSend == 0) {
                ctx.close();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (toSend > 0 && ctx.channel().isWritable()) {
                stream(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a client that resets mid-stream is the normal end of a bulk run
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            request.release();
        }
    }

    /** {@code SinkServer [--listen HOST:PORT] [--threads N]}: runs until killed; prints its address. */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        InetSocketAddress listen = a.address("--listen", "127.0.0.1:0");
        SinkServer sink = start(listen, a.integer("--threads", 1));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sink.close();
            stop.countDown();
        }, "sink-stop"));
        System.out.println("sink listening on " + Args.hostPort(sink.address()));
        System.out.flush();
        stop.await();
    }
}
