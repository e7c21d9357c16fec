package io.torgate.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.torgate.control.api.ApiConfig;
import io.torgate.control.api.ApiServer;
import io.torgate.control.api.ControlPlane;
import io.torgate.control.api.SessionsView;
import io.torgate.control.metrics.TorgateMetrics;
import io.torgate.gateway.Authenticator;
import io.torgate.gateway.ConnectRequest;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.Mode;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.Route;
import io.torgate.gateway.Router;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code torgate check} against a real gateway (direct upstream) and the real control API in this JVM, the
 * probe fetching from a web server on 127.0.0.1; the sessions are a fake whose exit the test controls. What
 * the check says against a real tor pool is in {@link TestnetEndToEndTest}.
 */
class CheckCommandTest {

    private static final Pattern SESSION_ID = Pattern.compile("as check-session-([a-z0-9]{12}):");

    private final InProcessCli cli = new InProcessCli();
    private final List<ConnectRequest> routed = new CopyOnWriteArrayList<>();
    private final List<String> webRequests = new CopyOnWriteArrayList<>();
    private HttpServer web;
    private TorgateMetrics metrics;
    private Gateway gateway;
    private ControlPlane cp;
    private int apiPort;

    @BeforeEach
    void startWeb() throws IOException {
        web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/", ex -> {
            webRequests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " Host: "
                    + ex.getRequestHeaders().getFirst("Host"));
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/missing") ? 404 : 200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        web.start();
        metrics = TorgateMetrics.create();
    }

    /** A gateway that routes everything direct, and its API; {@code sessions} may be null (none, as direct runs). */
    private void startTorgate(SessionsView sessions, Authenticator users) throws Exception {
        Router direct = req -> {
            routed.add(req);
            return CompletableFuture.completedFuture(Route.direct());
        };
        GatewayConfig config = GatewayConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).router(direct)
                .authenticator(users).listener(metrics.gatewayListener()).build();
        gateway = Gateway.start(config);
        ControlPlane.Builder b = ControlPlane.builder().upstream("direct").metrics(metrics).gateway(gateway, config, direct);
        if (sessions != null) {
            b.sessions(sessions);
        }
        cp = b.build();
        ApiServer api = cp.startApi(ApiConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0)).build());
        apiPort = api.address().getPort();
    }

    @AfterEach
    void stop() {
        if (cp != null) {
            cp.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        metrics.close();
        web.stop(0);
    }

    private String probeUrl(String path) {
        return "http://localhost:" + web.getAddress().getPort() + path;
    }

    private int check(int api, int socks, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("check", "--api", "127.0.0.1:" + api,
                "--socks", "127.0.0.1:" + socks));
        args.addAll(List.of(more));
        return cli.run(args.toArray(String[]::new));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort(); // free once closed: nothing listens there
        }
    }

    @Test
    void aDirectTorgatePassesAndTheProbeLeavesTheHostNameToTheGateway() throws Exception {
        startTorgate(null, Authenticator.NONE);
        int socks = gateway.address().getPort();
        assertThat(check(apiPort, socks, "--probe-url", probeUrl("/probe?x=1"))).as(cli.out() + cli.err()).isZero();

        List<String> lines = cli.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).isEqualTo("ok   health: healthy");
        assertThat(lines.get(1)).isEqualTo("ok   pool: no tor pool (upstream is not tor-pool)");
        assertThat(lines.get(2)).isEqualTo("ok   gateway: up at 127.0.0.1:" + socks + " (SOCKS5)");
        assertThat(lines.get(3)).matches("ok   probe: GET " + Pattern.quote(probeUrl("/probe?x=1"))
                + " as check-session-[a-z0-9]{12}: HTTP/1\\.1 200 OK");
        assertThat(lines.get(4)).isEqualTo("ok   exit: not tracked (no sticky sessions: upstream is not tor-pool)");
        assertThat(cli.err()).isEmpty();
        // socks5h: the gateway got the name, not an address this machine looked up
        assertThat(routed).singleElement().satisfies(r -> {
            assertThat(r.destination().host()).isEqualTo("localhost");
            assertThat(r.route().user()).isEqualTo("check");
            assertThat(r.route().session()).hasValueSatisfying(s -> assertThat(lines.get(3)).contains("check-session-" + s));
        });
        assertThat(webRequests).containsExactly("GET /probe?x=1 Host: localhost:" + web.getAddress().getPort());
    }

    @Test
    void theExitIsAwaitedUntilTorgateHasLearnedIt() throws Exception {
        LearningSessions sessions = new LearningSessions(3, null);
        startTorgate(sessions, Authenticator.NONE);
        assertThat(check(apiPort, gateway.address().getPort(), "--probe-url", probeUrl("/"))).as(cli.out()).isZero();
        String id = sessionId();
        assertThat(cli.out().lines().toList()).last().isEqualTo("ok   exit: session check/" + id
                + " left through exit7 " + LearningSessions.FINGERPRINT + ", address 192.0.2.7, country nl");
        assertThat(sessions.looks.get()).isEqualTo(4); // three answers without an exit, then the one with it
        assertThat(sessions.asked).containsOnly("check/" + id);
    }

    @Test
    void anExitNeverLearnedFailsNamingTheSessionAndItsProblem() throws Exception {
        startTorgate(new LearningSessions(Integer.MAX_VALUE, "no tor instance is free"), Authenticator.NONE);
        int status = cli.checkExitWait(Duration.ofMillis(600))
                .run("check", "--api", "127.0.0.1:" + apiPort, "--socks", "127.0.0.1:" + gateway.address().getPort(),
                        "--probe-url", probeUrl("/"));
        assertThat(status).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(cli.out().lines().toList()).last().isEqualTo("FAIL exit: torgate learned no exit for session check/"
                + sessionId() + " within 0.6 s (no tor instance is free)");
    }

    @Test
    void aProbeAnsweredWithAnErrorStatusFailsAndTheExitIsSkipped() throws Exception {
        startTorgate(new LearningSessions(0, null), Authenticator.NONE);
        assertThat(check(apiPort, gateway.address().getPort(), "--probe-url", probeUrl("/missing")))
                .isEqualTo(ExitCodes.RUNTIME_FAILURE);
        List<String> lines = cli.out().lines().toList();
        assertThat(lines.get(3)).endsWith(": HTTP/1.1 404 Not Found").startsWith("FAIL probe: GET ");
        assertThat(lines.get(4)).isEqualTo("skip exit: needs a probe that passed");
    }

    @Test
    void withUsersConfiguredTheProbeLogsInAsTheGivenUserAndAWrongPasswordIsNamed() throws Exception {
        Authenticator alice = new Authenticator() {
            @Override
            public boolean usersConfigured() {
                return true;
            }

            @Override
            public boolean authenticate(String user, String password) {
                return user.equals("alice") && password.equals("s3cret");
            }
        };
        startTorgate(null, alice);
        int socks = gateway.address().getPort();
        assertThat(check(apiPort, socks, "--probe-url", probeUrl("/"), "--user", "alice", "--socks-password", "s3cret"))
                .as(cli.out()).isZero();
        assertThat(cli.out()).contains("ok   gateway: up at 127.0.0.1:" + socks + " (SOCKS5)")
                .containsPattern("ok   probe: GET \\S+ as alice-session-[a-z0-9]{12}: HTTP/1\\.1 200 OK");

        cli.clear();
        assertThat(check(apiPort, socks, "--probe-url", probeUrl("/"), "--user", "alice", "--socks-password", "wrong"))
                .isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(cli.out()).containsPattern("FAIL probe: GET \\S+ as (alice-session-[a-z0-9]{12}): the gateway refused"
                + " the login as \\1 \\(wrong --user or --socks-password\\?\\)");
        assertThat(cli.out() + cli.err()).doesNotContain("wrong\n").doesNotContain("s3cret");
    }

    @Test
    void nothingListeningAtTheApiAndTheGatewayIsNamedWithoutAStackTrace() throws Exception {
        int api = closedPort();
        int socks = closedPort();
        assertThat(check(api, socks, "--probe-url", probeUrl("/"))).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        List<String> lines = cli.out().lines().toList();
        assertThat(lines).containsExactly(
                "FAIL health: torgate API not reachable at 127.0.0.1:" + api + " (is torgate running with --api?)",
                "skip pool: needs the API",
                lines.get(2),
                "skip probe: needs the gateway",
                "skip exit: needs the API");
        assertThat(lines.get(2)).startsWith("FAIL gateway: nothing accepts connections at 127.0.0.1:" + socks + " (")
                .contains("refused");
        assertThat(cli.err()).isEmpty();
        assertThat(webRequests).isEmpty();
    }

    @Test
    void aGatewayDownWhileTheApiIsUpFailsOnlyTheGatewayStep() throws Exception {
        startTorgate(new LearningSessions(0, null), Authenticator.NONE);
        int socks = closedPort();
        assertThat(check(apiPort, socks, "--probe-url", probeUrl("/"))).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        List<String> lines = cli.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("ok   health: healthy");
        assertThat(lines.get(2)).startsWith("FAIL gateway: nothing accepts connections at 127.0.0.1:" + socks);
        assertThat(lines.subList(3, 5)).containsExactly("skip probe: needs the gateway",
                "skip exit: needs a probe that passed");
        assertThat(cli.err()).isEmpty();
    }

    @Test
    void somethingOtherThanAGatewayAtTheSocksPortIsNamed() throws Exception {
        try (ServerSocket notSocks = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // answers the SOCKS5 greeting as a web server would, then hangs up
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (java.net.Socket s = notSocks.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(check(closedPort(), notSocks.getLocalPort(), "--probe-url", probeUrl("/")))
                    .isEqualTo(ExitCodes.RUNTIME_FAILURE);
            served.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(cli.out()).contains("FAIL gateway: 127.0.0.1:" + notSocks.getLocalPort()
                    + " does not answer as a SOCKS5 server");
        }
    }

    @Test
    void badArgumentsExitTwoNamingTheValueBeforeAnyStep() throws Exception {
        int api = closedPort();
        String[][] cases = {
                {"--probe-url", "ftp://example.test/", "'ftp://example.test/'"},
                {"--probe-url", "http://bad host/", "http://bad host/"},
                {"--probe-url", "http:/no-host", "'http:/no-host'"},
                {"--probe-url", probeUrl("/"), "--user", "b@d", "'b@d'"},
                {"--probe-url", probeUrl("/"), "--user", "alice-country-de", "'alice-country-de'"},
                {"--probe-url", probeUrl("/"), "--socks", "nowhere:99999", "nowhere:99999"},
        };
        for (String[] c : cases) {
            cli.clear();
            String[] args = new String[c.length + 1];
            args[0] = "check";
            args[1] = "--api=127.0.0.1:" + api;
            System.arraycopy(c, 0, args, 2, c.length - 1);
            assertThat(cli.run(args)).as(String.join(" ", args)).isEqualTo(ExitCodes.CONFIG_ERROR);
            assertThat(cli.err()).as(String.join(" ", args)).contains(c[c.length - 1])
                    .contains("Try 'torgate check --help'").doesNotContain("\tat ");
            assertThat(cli.out()).as("no step runs").isEmpty();
        }
        assertThat(cli.run("check", "--api", "127.0.0.1:" + api)).isEqualTo(ExitCodes.CONFIG_ERROR);
        assertThat(cli.err()).contains("--probe-url");
    }

    private String sessionId() {
        Matcher m = SESSION_ID.matcher(cli.out());
        assertThat(m.find()).as(cli.out()).isTrue();
        return m.group(1);
    }

    /**
     * Any session of any user: without an exit for its first {@code unknownFor} looks (torgate has not learned it
     * yet), then through one exit.
     */
    private static final class LearningSessions implements SessionsView {
        static final String FINGERPRINT = "7".repeat(40);
        final AtomicInteger looks = new AtomicInteger();
        final List<String> asked = new CopyOnWriteArrayList<>();
        private final int unknownFor;
        private final String problem;

        LearningSessions(int unknownFor, String problem) {
            this.unknownFor = unknownFor;
            this.problem = problem;
        }

        @Override
        public List<SessionInfo> list() {
            return List.of();
        }

        @Override
        public Optional<SessionInfo> get(String user, String session) {
            asked.add(user + "/" + session);
            boolean learned = looks.incrementAndGet() > unknownFor;
            Optional<ExitInfo> exit = learned ? Optional.of(new ExitInfo(FINGERPRINT, Optional.of("exit7"),
                    Optional.of("192.0.2.7"), Optional.of("nl"), Optional.of("12"), List.of())) : Optional.empty();
            Instant now = Instant.now();
            return Optional.of(new SessionInfo(user, session, Mode.FLEXIBLE, List.of(), List.of(), Optional.empty(),
                    Optional.of("tor-0"), exit, Optional.empty(), now, now, Duration.ofMinutes(10), Optional.empty(), 0, 1, 0, 0,
                    Optional.empty(), Optional.ofNullable(problem)));
        }

        @Override
        public Optional<Rotation> rotate(String user, String session) {
            return Optional.empty();
        }

        @Override
        public boolean remove(String user, String session) {
            return false;
        }
    }
}
