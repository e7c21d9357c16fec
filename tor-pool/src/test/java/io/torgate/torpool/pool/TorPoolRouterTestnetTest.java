package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Route;
import io.torgate.gateway.Tunnel;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A pool of two client tors on the loopback testnet behind the real gateway. */
@ExtendWith(TestNetworkExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TorPoolRouterTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(TorPoolRouterTestnetTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private TestNetwork net;
    private TorPool pool;
    private TorPoolRouter router;
    private Gateway gateway;
    /** What the router learned, by the client's local port towards the gateway. */
    private final Map<Integer, Learned> learned = new ConcurrentHashMap<>();

    record Learned(String instance, String exitFingerprint) { }

    @BeforeAll
    void startPoolAndGateway(TestNetwork net) throws Exception {
        this.net = net;
        pool = TorPool.create(TorPool.configs(2, "pool", dir, b -> b.extraTorrc(net.clientTorrc())));
        long t0 = System.nanoTime();
        List<TorInstance> ready = pool.start().get(120, TimeUnit.SECONDS);
        log.info("MEASURE pool of {} ready in {} ms", ready.size(), (System.nanoTime() - t0) / 1_000_000);
        assertThat(ready).hasSize(2);
        router = new TorPoolRouter(pool);
        router.addExitListener((tunnel, instance, exit) -> learned.put(tunnel.request().client().getPort(),
                new Learned(instance.name(), exit.exit().map(h -> h.fingerprint()).orElse("?"))));
        gateway = Gateway.start(GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(router).build());
    }

    @AfterAll
    void stopAll() {
        PoolShutdown.close(router, gateway, pool, null);
    }

    private Socket open(String user) throws Exception {
        return Socks5Client.connect(gateway.address(), "127.0.0.1", net.whoamiUrl().getPort(), user, "secret", 30_000);
    }

    /** Asks whoami over an open tunnel; returns the exit it saw. */
    private static String whoami(Socket s) throws Exception {
        return JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText("none");
    }

    private Learned learnedFor(Socket s) {
        int port = s.getLocalPort();
        return Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> learned.get(port), l -> l != null);
    }

    @Test
    @Order(1)
    void tunnelsSpreadOverInstancesAndEachLearnedExitIsTheOneWhoamiSaw() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (String user : List.of("u1", "u2", "u3", "u4")) {
                held.add(open(user));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> router.liveTunnels("pool0") + router.liveTunnels("pool1") == 4);
            assertThat(router.liveTunnels("pool0")).as("fewest tunnels first").isEqualTo(2);
            assertThat(router.liveTunnels("pool1")).isEqualTo(2);
            for (Socket s : held) {
                Learned l = learnedFor(s);
                String seen = whoami(s);
                log.info("tunnel from port {} -> {} exit {} (whoami {})", s.getLocalPort(), l.instance(), l.exitFingerprint(), seen);
                assertThat(l.exitFingerprint()).isEqualTo(seen);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> router.liveTunnels("pool0") + router.liveTunnels("pool1") == 0);
    }

    @Test
    @Order(2)
    void aStickySessionKeepsItsInstanceAndExit() throws Exception {
        List<Learned> seen = new ArrayList<>();
        List<String> exits = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            try (Socket s = open("carol-session-s1")) {
                seen.add(learnedFor(s));
                exits.add(whoami(s));
            }
        }
        assertThat(seen).extracting(Learned::instance).containsOnly(seen.get(0).instance());
        assertThat(exits).containsOnly(exits.get(0));
        assertThat(seen).extracting(Learned::exitFingerprint).containsOnly(exits.get(0));
    }

    @Test
    @Order(3)
    void aDyingInstanceLosesItsTunnelsAndItsSessionsWhileTheOtherServes() throws Exception {
        // Bind a strict and a flexible session to pool0, the instance we will kill.
        TorInstance victim = pool.instance("pool0").orElseThrow();
        TorInstance survivor = pool.instance("pool1").orElseThrow();
        Route strictRoute = routeOnto(victim, "dora-session-strict%d-mode-strict");
        Route flexibleRoute = routeOnto(victim, "erin-session-flex%d");
        assertThat(strictRoute.socksProxy()).isEqualTo(victim.socksAddress().orElseThrow());

        FakeTunnel onVictim = new FakeTunnel(strictRoute);
        strictRoute.observer().established(onVictim);
        assertThat(router.liveTunnels("pool0")).isEqualTo(1);

        long pid = victim.pid().orElseThrow();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> onVictim.closedWhy != null);
        assertThat(onVictim.closedWhy).contains("pool0").contains("RESTARTING");
        assertThat(router.liveTunnels("pool0")).isZero();

        // While pool0 restarts: new tunnels go to pool1, and so do both sessions: neither ever used an exit
        // (their only tunnel never reached tor), so moving switches nothing.
        assertThat(victim.state()).isNotEqualTo(InstanceState.READY);
        Route fresh = router.route(PoolRoutingRulesTest.request("frank")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(fresh.socksProxy()).isEqualTo(survivor.socksAddress().orElseThrow());
        Route moved = router.route(requestFor(flexibleRoute)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(moved.socksProxy()).isEqualTo(survivor.socksAddress().orElseThrow());
        Route strictMoved = router.route(requestFor(strictRoute)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(strictMoved.socksProxy()).isEqualTo(survivor.socksAddress().orElseThrow());
        flexibleRoute.observer().failed(io.torgate.gateway.SocksReply.GENERAL_FAILURE, new java.nio.channels.ClosedChannelException());
        for (Route r : List.of(fresh, moved, strictMoved)) {
            r.observer().failed(io.torgate.gateway.SocksReply.GENERAL_FAILURE, new java.nio.channels.ClosedChannelException());
        }

        // Through the gateway too, a client meets pool1 while pool0 is down.
        try (Socket s = open("gina")) {
            assertThat(learnedFor(s).instance()).isEqualTo("pool1");
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> victim.state() == InstanceState.READY);
        assertThat(victim.pid().orElseThrow()).isNotEqualTo(pid);
    }

    @Test
    @Order(4)
    void anOnionDestinationGoesToTorWithoutACircuitOfTorgatesOrAnExitCheck() throws Exception {
        String onion = OnionAddressTest.VALID; // well formed; no such service on the testnet
        java.util.function.IntSupplier keyCircuits = () -> router.circuitCounts().values().stream()
                .mapToInt(c -> c.inUse() + c.building()).sum();
        int before = keyCircuits.getAsInt();
        for (String user : List.of("olga-session-o1", "olga")) {
            ConnectRequest r = new ConnectRequest(io.torgate.gateway.UsernameGrammar.parse(user),
                    new io.torgate.gateway.Destination(onion, 80, io.torgate.gateway.Destination.Kind.DOMAIN),
                    new InetSocketAddress("127.0.0.1", 40000), ConnectRequest.Protocol.SOCKS5);
            Route route = router.route(r).toCompletableFuture().get(30, TimeUnit.SECONDS);
            // tor builds the rendezvous circuits itself (the attacher hands .onion streams back), so there is no
            // attachment of torgate's to wait for: a session's connection is admitted at once.
            assertThat(route.observer().admit(new InetSocketAddress("127.0.0.1", 1)).toCompletableFuture())
                    .as(user).isCompleted();
            route.observer().failed(io.torgate.gateway.SocksReply.GENERAL_FAILURE, new java.nio.channels.ClosedChannelException());
        }
        assertThat(keyCircuits.getAsInt()).as("no circuit built for an onion destination").isEqualTo(before);
    }

    private final Map<Route, ConnectRequest> requests = new ConcurrentHashMap<>();

    /** Routes sessions "pattern with 0, 1, 2 …" until one lands on {@code target}. */
    private Route routeOnto(TorInstance target, String pattern) throws Exception {
        for (int k = 0; k < 50; k++) {
            ConnectRequest r = PoolRoutingRulesTest.request(String.format(pattern, k));
            Route route = router.route(r).toCompletableFuture().get(5, TimeUnit.SECONDS);
            if (route.socksProxy().equals(target.socksAddress().orElseThrow())) {
                requests.put(route, r);
                return route;
            }
            // Unused: tell the router, as the gateway would, so it does not count the route as on its way.
            route.observer().failed(io.torgate.gateway.SocksReply.GENERAL_FAILURE, new java.nio.channels.ClosedChannelException());
        }
        throw new AssertionError("no session landed on " + target.name());
    }

    private ConnectRequest requestFor(Route route) {
        return requests.get(route);
    }

    /** A tunnel as the gateway would report it, recording whether and why the router closed it. */
    private final class FakeTunnel implements Tunnel {
        private static final AtomicLong IDS = new AtomicLong(1_000_000);
        private final long id = IDS.incrementAndGet();
        private final Route route;
        volatile String closedWhy;

        FakeTunnel(Route route) {
            this.route = route;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public ConnectRequest request() {
            return requests.get(route);
        }

        @Override
        public InetSocketAddress upstreamLocalAddress() {
            return new InetSocketAddress("127.0.0.1", 1); // no stream of tor's will ever match this port
        }

        @Override
        public void close(String why) {
            closedWhy = why;
            route.observer().closed(this);
        }
    }
}
