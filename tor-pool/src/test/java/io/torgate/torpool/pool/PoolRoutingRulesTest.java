package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Destination;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.UsernameGrammar;
import io.torgate.torpool.instance.InstanceState;
import io.torgate.torpool.instance.TorInstance;
import io.torgate.torpool.instance.TorInstanceConfig;
import io.torgate.torpool.process.Torrc;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool's routing rules without a tor network: selection, session affinity, refusals. */
class PoolRoutingRulesTest {

    @TempDir
    Path dir;

    private final List<TorInstance> created = new ArrayList<>();
    private TorPool pool;

    @AfterEach
    void close() {
        created.forEach(TorInstance::close);
        if (pool != null) {
            pool.close();
        }
    }

    private Candidate candidate(String name, int tunnels) {
        TorInstance i = TorInstance.create(TorInstanceConfig.builder(name, dir).build());
        created.add(i);
        return new Candidate(i, tunnels);
    }

    static ConnectRequest request(String username) throws Exception {
        RouteRequest route = UsernameGrammar.parse(username);
        return new ConnectRequest(route, new Destination("127.0.0.1", 80, Destination.Kind.IPV4), new InetSocketAddress("127.0.0.1", 40000),
                ConnectRequest.Protocol.SOCKS5);
    }

    @Test
    void fewestTunnelsWinsAndTiesRotate() throws Exception {
        FewestTunnelsSelector s = new FewestTunnelsSelector();
        List<Candidate> busy = List.of(candidate("a", 3), candidate("b", 1), candidate("c", 2));
        for (int k = 0; k < 5; k++) {
            assertThat(s.select(request("u"), busy).name()).isEqualTo("b");
        }
        List<Candidate> idle = List.of(candidate("x", 0), candidate("y", 0), candidate("z", 0));
        List<String> picks = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            picks.add(s.select(request("u"), idle).name());
        }
        assertThat(picks).containsExactlyInAnyOrder("x", "y", "z");
    }

    @Test
    void withoutADirectoryExitSelectionIsRefusedNotIgnored() throws Exception {
        pool = TorPool.create(TorPool.configs(1, "nodir", dir, b -> b));
        TorPoolRouter router = new TorPoolRouter(pool);
        for (String username : List.of("u-country-de", "u-exclude-us", "u-exit-89ABCDEF0123456789ABCDEF0123456789ABCDEF",
                "u-session-s1-country-de-mode-strict")) {
            assertThatThrownBy(() -> router.route(request(username)).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(RoutingException.class, e -> {
                        assertThat(e.reply()).isEqualTo(SocksReply.NOT_ALLOWED_BY_RULESET);
                        assertThat(e.reason()).isEqualTo("exit_selection_unsupported");
                        assertThat(e.detail()).contains("node directory");
                    });
        }
    }

    @Test
    void sessionsLiveForTheirTtlSinceLastUseAndWhileTunnelsAreOpen() throws Exception {
        Duration ttl = Duration.ofSeconds(10);
        RouteRequest r = UsernameGrammar.parse("alice-session-s1-ttl-10s");
        Session s = new Session(Session.key("alice", "s1"), r, "tg-x", "pw", 0, java.time.Instant.EPOCH);
        assertThat(s.ttl).isEqualTo(ttl);
        s.touch(Duration.ofSeconds(9).toNanos(), java.time.Instant.EPOCH);
        assertThat(s.expired(Duration.ofSeconds(18).toNanos())).as("used at 9 s: lives until 19 s").isFalse();
        assertThat(s.expired(Duration.ofSeconds(20).toNanos())).isTrue();
        s.pending = 1;
        assertThat(s.expired(Duration.ofSeconds(60).toNanos())).as("a route on its way keeps it").isFalse();
        s.pending = 0;
        s.tunnels.add(new io.torgate.gateway.Tunnel() {
            public long id() { return 1; }
            public ConnectRequest request() { return null; }
            public InetSocketAddress upstreamLocalAddress() { return null; }
            public void close(String why) { }
        });
        assertThat(s.expired(Duration.ofSeconds(60).toNanos())).as("a live tunnel keeps it").isFalse();
        assertThat(Session.key("a", "b\nc")).isNotEqualTo(Session.key("a\nb", "c"));
        assertThat(s.snapshot().expiresAt()).as("no expiry while tunnels live").isEmpty();
    }

    @Test
    void sessionsWithExitOrStrictModeAreStrictAndOptionsDefineThem() throws Exception {
        RouteRequest pinned = UsernameGrammar.parse("bob-session-x-exit-89ABCDEF0123456789ABCDEF0123456789ABCDEF");
        Session s = new Session(Session.key("bob", "x"), pinned, "tg-x", "pw", 0, java.time.Instant.EPOCH);
        assertThat(s.strict()).isTrue();
        assertThat(s.sameOptions(pinned)).isTrue();
        assertThat(s.sameOptions(UsernameGrammar.parse("bob-session-x-ttl-30m-exit-89ABCDEF0123456789ABCDEF0123456789ABCDEF")))
                .as("ttl is not an exit option").isTrue();
        assertThat(s.sameOptions(UsernameGrammar.parse("bob-session-x-country-de"))).isFalse();
        Session flex = new Session("k", UsernameGrammar.parse("bob-session-y-country-de_us"), "tg-y", "pw", 0, java.time.Instant.EPOCH);
        assertThat(flex.strict()).isFalse();
        assertThat(flex.sameOptions(UsernameGrammar.parse("bob-session-y-country-de_us-mode-strict"))).isFalse();
    }

    @Test
    void aPoolWithNothingReadyRefusesWithTheInstanceStates() throws Exception {
        pool = TorPool.create(TorPool.configs(2, "idle", dir,
                b -> b.extraTorrc(new Torrc().set("DisableNetwork", 1)).bootstrapDeadline(Duration.ofMinutes(5))));
        TorPoolRouter router = new TorPoolRouter(pool);
        assertThatThrownBy(() -> router.route(request("u")).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(RoutingException.class, e -> {
                    assertThat(e.reply()).isEqualTo(SocksReply.GENERAL_FAILURE);
                    assertThat(e.reason()).isEqualTo("no_tor_ready");
                    assertThat(e.detail()).contains("idle0 STOPPED").contains("idle1 STOPPED");
                });
    }

    @Test
    void aGrowingPoolAddsInstancesUpToItsMaxThenRefuses() throws Exception {
        pool = TorPool.growing(1, 2, "grow", dir,
                b -> b.extraTorrc(new Torrc().set("DisableNetwork", 1)).bootstrapDeadline(Duration.ofMinutes(5)));
        assertThat(pool.maxSize()).isEqualTo(2);
        assertThat(pool.canGrow()).isTrue();
        var adding = pool.addInstance();
        assertThat(pool.instances()).extracting(TorInstance::name).containsExactly("grow0", "grow1");
        assertThat(pool.canGrow()).isFalse();
        assertThatThrownBy(() -> pool.addInstance().get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("max size of 2");
        assertThat(adding).as("a tor without network never becomes READY").isNotDone();
        List<StateChange> seen = new ArrayList<>();
        pool.addListener((i, from, to, why) -> seen.add(new StateChange(i.name(), to)));
        pool.close();
        assertThat(seen).as("listeners reach added instances too").contains(new StateChange("grow1", InstanceState.STOPPED));
        assertThat(pool.canGrow()).as("closed").isFalse();
        try (TorPool fixed = TorPool.create(TorPool.configs(1, "fixed", dir, b -> b))) {
            assertThat(fixed.canGrow()).as("fixed pools do not grow").isFalse();
        }
    }

    record StateChange(String instance, InstanceState to) { }

    @Test
    void duplicateNamesAndEmptyPoolsAreRejected() {
        assertThatThrownBy(() -> TorPool.create(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        TorInstanceConfig c = TorInstanceConfig.builder("same", dir).build();
        assertThatThrownBy(() -> TorPool.create(List.of(c, c)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'same'");
    }
}
