package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** status / rotate / nodes against a tiny HTTP server on 127.0.0.1 that answers canned API JSON. */
class ApiClientCommandsTest {

    private HttpServer server;
    private final Map<String, String[]> canned = new ConcurrentHashMap<>(); // "METHOD path?query" -> {status, body}
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final List<String> authHeaders = new CopyOnWriteArrayList<>();
    private final InProcessCli cli = new InProcessCli();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String key = ex.getRequestMethod() + " " + ex.getRequestURI();
            seen.add(key);
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authHeaders.add(auth == null ? "none" : auth);
            String[] answer = canned.getOrDefault(key, new String[] {"404",
                    "{\"error\":\"not_found\",\"detail\":\"no endpoint " + ex.getRequestURI() + "\"}"});
            byte[] body = answer[1].getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(Integer.parseInt(answer[0]), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String api() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private static final String STATUS = """
            {"version":"0.1.0","uptime_seconds":42.5,"upstream":"tor-pool",
             "listeners":{"gateway":"127.0.0.1:1080","api":"127.0.0.1:8080","proxies":["127.0.0.1:40123"]},
             "tunnels":{"active":3,"direct_memory_bytes":0},
             "pool":{"instances":3,"ready":2,"by_state":{"READY":2,"BOOTSTRAPPING":1},"draining":0},
             "directory":{"relays":12,"age_seconds":61.0}}""";

    @Test
    void statusPrintsReadableLinesAndExitsZeroWhenHealthy() {
        canned.put("GET /status", new String[] {"200", STATUS});
        canned.put("GET /health", new String[] {"200", "{\"status\":\"ok\",\"ready_instances\":2,\"instances\":3}"});
        assertThat(run("status", "--api", api())).isZero();
        assertThat(cli.out())
                .contains("upstream:   tor-pool")
                .contains("listeners:  gateway 127.0.0.1:1080, api 127.0.0.1:8080, proxy ports 127.0.0.1:40123")
                .contains("tunnels:    3 active")
                .contains("instances:  3 (2 READY, 1 BOOTSTRAPPING), 0 draining")
                .contains("directory:  12 relays, age 61.0 s")
                .contains("health:     ok");
        assertThat(cli.err()).isEmpty();
        assertThat(authHeaders).containsOnly("none");
    }

    @Test
    void statusExitsOneWhenHealthIs503() {
        canned.put("GET /status", new String[] {"200", STATUS});
        canned.put("GET /health", new String[] {"503",
                "{\"error\":\"not_ready\",\"detail\":\"no tor instance can carry a tunnel: tor-0 BOOTSTRAPPING\"}"});
        assertThat(run("status", "--api", api())).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(cli.out()).contains("health:     NOT HEALTHY (error: no tor instance can carry a tunnel:"
                + " tor-0 BOOTSTRAPPING)");
    }

    @Test
    void rotatePrintsOldAndNewExit() {
        canned.put("POST /sessions/alice/x7k2/rotate", new String[] {"200", """
                {"user":"alice","session":"x7k2",
                 "old_exit":{"fingerprint":"AAAA","nickname":"oldrelay","address":"10.0.0.1","country":"de"},
                 "new_exit":{"fingerprint":"BBBB","nickname":"newrelay","address":"10.0.0.2","country":"nl"},
                 "took_seconds":0.2}"""});
        assertThat(run("rotate", "--api", api(), "alice", "x7k2")).isZero();
        assertThat(cli.out().trim()).isEqualTo("alice/x7k2: oldrelay AAAA (de) \u2192 newrelay BBBB (nl)");
    }

    @Test
    void rotateOfAnUnknownSessionPrintsTheErrorAndExitsOne() {
        canned.put("POST /sessions/bob/nope/rotate",
                new String[] {"404", "{\"error\":\"not_found\",\"detail\":\"no session bob/nope\"}"});
        assertThat(run("rotate", "--api", api(), "bob", "nope")).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(cli.err().trim()).isEqualTo("error: no session bob/nope");
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void nodesPassesTheFiltersAndPrintsATable() {
        canned.put("GET /nodes?country=de&country=nl&flag=Stable", new String[] {"200", """
                {"count":2,"directory_age_seconds":5.0,"nodes":[
                 {"fingerprint":"AAAA1111","nickname":"relayde","country":"de","flags":["Exit","Stable"],
                  "exit_addresses":["10.0.0.1"],"bandwidth":100},
                 {"fingerprint":"BBBB2222","nickname":"nl","country":"nl","flags":["Exit","Stable","Fast"],
                  "exit_addresses":["10.0.0.2","10.0.0.3"],"bandwidth":null}]}"""});
        assertThat(run("nodes", "--api", api(), "--country", "de,nl", "--flag", "Stable")).isZero();
        assertThat(cli.out().lines().toList()).containsExactly(
                "FINGERPRINT  NICKNAME  CC  FLAGS             EXIT ADDRESSES",
                "AAAA1111     relayde   de  Exit,Stable       10.0.0.1",
                "BBBB2222     nl        nl  Exit,Stable,Fast  10.0.0.2 10.0.0.3",
                "2 exits");
    }

    @Test
    void theTokenIsSentAsBearerAndNeverPrinted() {
        canned.put("GET /nodes", new String[] {"200", "{\"count\":0,\"nodes\":[]}"});
        assertThat(run("nodes", "--api", api(), "--api-token", "s3cret-token-0123456789")).isZero();
        assertThat(authHeaders).containsExactly("Bearer s3cret-token-0123456789");
        assertThat(cli.out() + cli.err()).doesNotContain("s3cret");
    }

    @Test
    void theTokenComesFromTheEnvironmentWithoutAFlag() {
        canned.put("GET /nodes", new String[] {"200", "{\"count\":0,\"nodes\":[]}"});
        assertThat(cli.env(Map.of("TORGATE_API_TOKEN", "env-token-0123456789")).run("nodes", "--api", api())).isZero();
        assertThat(authHeaders).containsExactly("Bearer env-token-0123456789");
    }

    @Test
    void anUnreachableApiIsExitOneWithAHint() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // free once closed: nothing listens there
        }
        for (String[] cmd : List.of(new String[] {"status"}, new String[] {"rotate", "a", "b"},
                new String[] {"nodes"})) {
            cli.clear();
            String[] args = new String[cmd.length + 2];
            System.arraycopy(cmd, 0, args, 0, cmd.length);
            args[cmd.length] = "--api";
            args[cmd.length + 1] = "127.0.0.1:" + closed;
            assertThat(run(args)).as(cmd[0]).isEqualTo(ExitCodes.RUNTIME_FAILURE);
            assertThat(cli.err().trim()).as(cmd[0]).isEqualTo("torgate API not reachable at 127.0.0.1:" + closed
                    + " (is torgate running with --api?)");
        }
    }

    @Test
    void aBadApiAddressIsAUsageErrorNamingTheValue() {
        assertThat(run("status", "--api", "nowhere:99999")).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(cli.err()).contains("nowhere:99999");
        assertThat(seen).isEmpty();
    }
}
