package io.torgate.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's listening sockets, in one of two shapes.
 * <p>
 * <b>Every loop accepts</b> (epoll): one listener per event loop, all bound to the same address with
 * SO_REUSEPORT, each registered on its own loop with that loop as its child group. The kernel spreads incoming
 * connections over the listeners, and a connection stays on the loop that accepted it: no hand-off from an
 * accept thread to an I/O thread, no futex wake-up per connection. Since {@link UpstreamDialer} registers the
 * upstream channel on the client's loop too, a tunnel lives on one thread from accept to close.
 * <p>
 * <b>One accept thread</b> (NIO, or when switched off): a one-thread boss group accepts and Netty hands each
 * connection to the next event loop, as a plain {@link ServerBootstrap} does.
 */
final class Listeners {

    /** A listener could not be bound; {@code address} is the address that was tried. */
    static final class BindFailure extends Exception {
        final InetSocketAddress address;

        BindFailure(InetSocketAddress address, Throwable cause) {
            super(cause.getMessage(), cause);
            this.address = address;
        }
    }

    private final List<Channel> channels;
    private final EventLoopGroup acceptGroup;

    private Listeners(List<Channel> channels, EventLoopGroup acceptGroup) {
        this.channels = Collections.unmodifiableList(channels);
        this.acceptGroup = acceptGroup;
    }

    /** Whether {@link #bind} will give every loop its own listener with this transport and setting. */
    static boolean acceptOnEveryLoop(Transport transport, boolean wanted) {
        return wanted && transport == Transport.EPOLL;
    }

    /**
     * Binds {@code listen} with copies of {@code template} (options, child options and handlers set, no group).
     * On failure nothing stays open: listeners already bound are closed and the accept thread, if any, stopped.
     */
    static Listeners bind(ServerBootstrap template, Transport transport, EventLoopGroup loops, boolean everyLoop,
                          InetSocketAddress listen) throws BindFailure {
        if (!acceptOnEveryLoop(transport, everyLoop)) {
            EventLoopGroup boss = transport.newGroup(1, "torgate-accept");
            ChannelFuture bind = template.clone().group(boss, loops).bind(listen).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                boss.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
                throw new BindFailure(listen, bind.cause());
            }
            return new Listeners(new ArrayList<>(List.of(bind.channel())), boss);
        }
        refuseSharedPort(listen);
        List<Channel> bound = new ArrayList<>();
        InetSocketAddress address = listen;
        for (EventExecutor executor : loops) {
            EventLoop loop = (EventLoop) executor;
            // An EventLoop is a group of one: children accepted here are registered on this very loop.
            ChannelFuture bind = template.clone().group(loop, loop)
                    .option(EpollChannelOption.SO_REUSEPORT, true)
                    .bind(address).awaitUninterruptibly();
            if (!bind.isSuccess()) {
                closeAll(bound);
                throw new BindFailure(address, bind.cause());
            }
            bound.add(bind.channel());
            // With port 0 the first listener picks the port; the others join it.
            address = (InetSocketAddress) bind.channel().localAddress();
        }
        return new Listeners(bound, null);
    }

    /**
     * SO_REUSEPORT lets any socket of the same user with the option set join the port, so a second gateway
     * started on a port this one already uses would silently get half of its connections instead of failing.
     * A plain bind (no SO_REUSEPORT, not listening, so it never accepts anything) fails on any port where
     * something listens. Port 0 needs no check: the kernel never hands out a port already in use.
     */
    private static void refuseSharedPort(InetSocketAddress listen) throws BindFailure {
        if (listen.getPort() == 0) {
            return;
        }
        try (Socket probe = new Socket()) {
            probe.setReuseAddress(true); // like the listeners themselves: connections in TIME_WAIT are no conflict
            probe.bind(listen);
        } catch (IOException e) {
            throw new BindFailure(listen, e);
        }
    }

    /** The address every listener is bound to. */
    InetSocketAddress address() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    /** Whether each event loop accepts its own connections (otherwise one accept thread does). */
    boolean onEveryLoop() {
        return acceptGroup == null;
    }

    int count() {
        return channels.size();
    }

    /** Whether the calling thread is the accept thread (the event loops are the caller's to check). */
    boolean onAcceptThread() {
        return acceptGroup != null && acceptGroup.next().inEventLoop();
    }

    /**
     * Closes every listener. Connections the kernel had queued on a listener but nobody accepted yet are reset by
     * the close, exactly as with a single listener; accepted ones are not touched. Waits for the closes unless
     * called on an event loop (which cannot wait for itself).
     */
    void close(boolean wait) {
        List<ChannelFuture> closes = new ArrayList<>();
        for (Channel channel : channels) {
            closes.add(channel.close());
        }
        if (wait) {
            for (ChannelFuture close : closes) {
                close.awaitUninterruptibly();
            }
        }
    }

    /** Stops the accept thread, if there is one; the listeners must be closed already. */
    void stopAcceptThread() {
        if (acceptGroup != null) {
            acceptGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            acceptGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /** Snapshot for tests: the open or closed listener channels. */
    List<Channel> channels() {
        return channels;
    }

    private static void closeAll(List<Channel> channels) {
        for (Channel channel : channels) {
            channel.close().awaitUninterruptibly();
        }
    }
}
