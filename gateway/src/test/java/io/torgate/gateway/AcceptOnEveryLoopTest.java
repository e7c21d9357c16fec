package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.util.concurrent.EventExecutor;
import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.Socks5TestClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** With epoll every event loop accepts on its own SO_REUSEPORT listener; all share one port and close together. */
class AcceptOnEveryLoopTest {

    private static final int LOOPS = 4;

    private EchoServer echo;

    @BeforeEach
    void startEcho() throws Exception {
        assumeThat(Epoll.isAvailable()).as("epoll (SO_REUSEPORT listeners are epoll only)").isTrue();
        echo = new EchoServer();
    }

    @AfterEach
    void stopEcho() throws Exception {
        if (echo != null) {
            echo.close();
        }
    }

    private static GatewayConfig.Builder config() {
        return GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(new DirectRouter())
                .ioThreads(LOOPS);
    }

    @Test
    void everyLoopListensOnTheOnePortPickedForPortZero() throws Exception {
        try (NettyGateway gateway = NettyGateway.start(config().build())) {
            List<Channel> listeners = gateway.listenerChannels();
            assertThat(listeners).hasSize(LOOPS);
            assertThat(gateway.address().getPort()).isPositive();
            assertThat(listeners).allSatisfy(listener -> {
                assertThat(listener.isActive()).isTrue();
                assertThat(listener.localAddress()).isEqualTo(gateway.address());
            });
            assertThat(listeners.stream().map(Channel::eventLoop).distinct()).hasSize(LOOPS);
        }
    }

    /** Per connection: the loop that routed it and the loop that saw its upstream connected. */
    private static final class ThreadsSeen implements Router {
        final Set<String> routedOn = ConcurrentHashMap.newKeySet();
        final Set<String> mismatches = ConcurrentHashMap.newKeySet();

        @Override
        public CompletableFuture<Route> route(ConnectRequest request) {
            String routing = Thread.currentThread().getName();
            routedOn.add(routing);
            TunnelObserver sameThread = new TunnelObserver() {
                @Override
                public void established(Tunnel tunnel) {
                    String established = Thread.currentThread().getName();
                    if (!established.equals(routing)) {
                        mismatches.add(routing + " -> " + established);
                    }
                }
            };
            return CompletableFuture.completedFuture(Route.direct().withObserver(sameThread));
        }
    }

    @Test
    void connectionsAreServedOnSeveralLoopsWithoutAnAcceptThread() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        ThreadsSeen router = new ThreadsSeen();
        try (Gateway gateway = Gateway.start(config().router(router).build())) {
            for (int i = 0; i < 64; i++) {
                try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
                    client.greet(Socks5TestClient.NO_AUTH);
                    assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
                    assertThat(GatewaySocks5Test.roundTrip(client.socket(), "conn " + i)).isEqualTo("conn " + i);
                }
            }
            // The kernel hashes each connection to a listener: 64 connections all on one of 4 is ~1 in 4^63.
            assertThat(router.routedOn).hasSizeGreaterThan(1).allSatisfy(name -> assertThat(name).startsWith("torgate-io"));
            assertThat(router.mismatches).as("tunnels whose upstream connected on another thread").isEmpty();
            assertThat(newThreadNames(before)).noneMatch(name -> name.startsWith("torgate-accept"));
        }
    }

    @Test
    void switchedOffOneAcceptThreadHandsConnectionsToTheLoops() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        ThreadsSeen router = new ThreadsSeen();
        try (NettyGateway gateway = NettyGateway.start(config().router(router).acceptOnEveryLoop(false).build())) {
            assertThat(gateway.listenerChannels()).hasSize(1);
            for (int i = 0; i < 8; i++) {
                try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
                    client.greet(Socks5TestClient.NO_AUTH);
                    assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
                }
            }
            assertThat(router.routedOn).hasSizeGreaterThan(1); // Netty's round robin over the loops
            assertThat(newThreadNames(before)).anyMatch(name -> name.startsWith("torgate-accept"));
        }
    }

    @Test
    void closeClosesEveryListenerAndFreesThePort() throws Exception {
        NettyGateway gateway = NettyGateway.start(config().build());
        InetSocketAddress address = gateway.address();
        List<Channel> listeners = gateway.listenerChannels();
        gateway.close();
        assertThat(listeners).hasSize(LOOPS).noneMatch(Channel::isOpen);
        // A plain socket without SO_REUSEPORT could not bind while any listener of the group was left.
        try (ServerSocket rebound = new ServerSocket()) {
            rebound.bind(address);
            assertThat(rebound.getLocalPort()).isEqualTo(address.getPort());
        }
    }

    @Test
    void aSecondGatewayOnTheSamePortIsRefusedNotJoinedToTheGroup() throws Exception {
        try (Gateway first = Gateway.start(config().build())) {
            InetSocketAddress taken = first.address();
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
            assertThatThrownBy(() -> Gateway.start(config().listen(taken).build()))
                    .isInstanceOf(GatewayStartException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getPort());
            awaitNoNewGatewayThreads(before);
            try (Socks5TestClient client = Socks5TestClient.connect(taken)) {
                client.greet(Socks5TestClient.NO_AUTH);
                assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
            }
        }
    }

    @Test
    void aTakenPortFailsCleanlyInBothShapes() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (boolean everyLoop : new boolean[] {true, false}) {
                Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
                assertThatThrownBy(() -> Gateway.start(config().acceptOnEveryLoop(everyLoop)
                        .listen(new InetSocketAddress("127.0.0.1", taken.getLocalPort())).build()))
                        .isInstanceOf(GatewayStartException.class)
                        .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
                        .hasMessageContaining("in use");
                awaitNoNewGatewayThreads(before);
            }
        }
    }

    @Test
    void gatewayRestartsOnTheFixedPortItHadBefore() throws Exception {
        InetSocketAddress address;
        try (Gateway first = Gateway.start(config().build())) {
            address = first.address();
        }
        try (NettyGateway again = NettyGateway.start(config().listen(address).build());
             Socks5TestClient client = Socks5TestClient.connect(address)) {
            assertThat(again.listenerChannels()).hasSize(LOOPS);
            client.greet(Socks5TestClient.NO_AUTH);
            assertThat(client.connectIp(InetAddress.getLoopbackAddress(), echo.port())).isZero();
        }
    }

    @Test
    void aListenerThatFailsToBindClosesTheOnesBoundBeforeIt() throws Exception {
        EventLoopGroup loops = Transport.EPOLL.newGroup(2, "torgate-test-loops");
        try {
            Iterator<EventExecutor> it = loops.iterator();
            it.next();
            EventLoop second = (EventLoop) it.next();
            second.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            ServerBootstrap template = new ServerBootstrap().channel(Transport.EPOLL.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter());
            Listeners.BindFailure failure = null;
            try {
                Listeners.bind(template, Transport.EPOLL, loops, true, new InetSocketAddress("127.0.0.1", 0));
            } catch (Listeners.BindFailure e) {
                failure = e;
            }
            assertThat(failure).as("binding on a shut-down loop fails").isNotNull();
            // The address tried second is the port the first listener got; it is free again.
            assertThat(failure.address.getPort()).isPositive();
            try (ServerSocket rebound = new ServerSocket()) {
                rebound.bind(failure.address);
            }
        } finally {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static List<String> newThreadNames(Set<Thread> before) {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(thread) && thread.isAlive()) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    private static void awaitNoNewGatewayThreads(Set<Thread> before) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(newThreadNames(before).stream()
                .filter(name -> name.startsWith("torgate-")).collect(Collectors.toList())).isEmpty());
    }
}
