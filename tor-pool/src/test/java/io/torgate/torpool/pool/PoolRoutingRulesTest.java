package io.torgate.torpool.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Destination;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RoutingException;
import io.torgate.gateway.SocksReply;
import io.torgate.gateway.UsernameGrammar;
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
    void exitSelectionIsRefusedNotIgnored() throws Exception {
        FewestTunnelsSelector s = new FewestTunnelsSelector();
        List<Candidate> one = List.of(candidate("a", 0));
        for (String username : List.of("u-country-de", "u-exclude-us", "u-exit-89ABCDEF0123456789ABCDEF0123456789ABCDEF")) {
            assertThatThrownBy(() -> s.select(request(username), one))
                    .isInstanceOfSatisfying(RoutingException.class, e -> {
                        assertThat(e.reply()).isEqualTo(SocksReply.NOT_ALLOWED_BY_RULESET);
                        assertThat(e.reason()).isEqualTo("exit_selection_unsupported");
                    });
        }
    }

    @Test
    void sessionBindingsLiveForTheirTtlSinceLastUse() {
        long[] now = {0};
        SessionAffinity a = new SessionAffinity(() -> now[0]);
        String key = SessionAffinity.key("alice", "s1");
        Duration ttl = Duration.ofSeconds(10);
        assertThat(a.lookup(key, ttl)).isEmpty();
        a.bind(key, "tor0", ttl);
        now[0] = Duration.ofSeconds(9).toNanos();
        assertThat(a.lookup(key, ttl)).as("used at 9 s: now lives until 19 s").contains("tor0");
        now[0] = Duration.ofSeconds(18).toNanos();
        assertThat(a.lookup(key, ttl)).contains("tor0");
        now[0] = Duration.ofSeconds(29).toNanos();
        assertThat(a.lookup(key, ttl)).as("unused for 11 s").isEmpty();
        assertThat(a.size()).isZero();
        assertThat(SessionAffinity.key("a", "b\nc")).isNotEqualTo(SessionAffinity.key("a\nb", "c"));
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
    void duplicateNamesAndEmptyPoolsAreRejected() {
        assertThatThrownBy(() -> TorPool.create(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        TorInstanceConfig c = TorInstanceConfig.builder("same", dir).build();
        assertThatThrownBy(() -> TorPool.create(List.of(c, c)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'same'");
    }
}
