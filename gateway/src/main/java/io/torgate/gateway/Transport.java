package io.torgate.gateway;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Native epoll when it is available and wanted, NIO otherwise. Server and upstream channels always use the
 * same transport, so an upstream channel can live on its client's event loop.
 */
enum Transport {
    EPOLL {
        @Override
        EventLoopGroup newGroup(int threads, String name) {
            return new EpollEventLoopGroup(threads, new DefaultThreadFactory(name));
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }
    },
    NIO {
        @Override
        EventLoopGroup newGroup(int threads, String name) {
            return new NioEventLoopGroup(threads, new DefaultThreadFactory(name));
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }
    };

    static Transport select(boolean preferNative) {
        return preferNative && Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** {@code threads == 0} means Netty's default (2 × cores). */
    abstract EventLoopGroup newGroup(int threads, String name);

    abstract Class<? extends ServerChannel> serverChannel();

    abstract Class<? extends SocketChannel> socketChannel();
}
