package io.torgate.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.UsernameGrammar;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code torgate check}: the API's health and pool, the gateway's SOCKS5 port, one real request through it as
 * a fresh sticky session {@code USER-session-ID}, and the exit torgate learned for that session. Each step says
 * ok, FAIL (naming what is down) or skip (it needs a step that failed); any FAIL is exit status 1.
 */
@Command(name = "check",
        description = {"Check a running torgate end to end: GET /health, GET /pool, the gateway's SOCKS5 port, one"
                + " HTTP request through it to --probe-url as user USER-session-<random>, and the exit (address,"
                + " country) torgate learned for that session. Each step prints ok, FAIL or skip (it needs a step"
                + " that failed).", "",
                "Exit status: 0 all passed, 1 a step failed, 2 bad flag."},
        showDefaultValues = true, usageHelpAutoWidth = true)
final class CheckCommand implements Callable<Integer> {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

    @Spec
    CommandSpec spec;

    @Mixin
    ApiCall api;

    @Option(names = "--socks", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:1080",
            converter = ListenAddressConverter.class, description = "The gateway's SOCKS5 port.")
    InetSocketAddress socks;

    @Option(names = "--probe-url", paramLabel = "URL", required = true,
            description = "An http:// URL to fetch through the gateway, e.g. the testnet's whoami URL.")
    URI probe;

    @Option(names = "--user", paramLabel = "USER", defaultValue = "check",
            description = "The user the probe logs in as (with -session-<random> added): one of the configured"
                    + " users when the gateway has any.")
    String user;

    @Option(names = "--socks-password", paramLabel = "PASSWORD", defaultValue = "check",
            description = "The user's password, sent when the gateway asks for a login.")
    String password;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /**
     * How long the exit step waits for torgate to learn the probe's exit: torgate learns it from tor's stream
     * events, which may come a moment after the probe's answer. Tests shorten it.
     */
    Duration exitWait = Duration.ofSeconds(10);

    @Override
    public Integer call() throws InterruptedException {
        String session = randomId();
        String username = checkedUsername(user + "-session-" + session);
        checkArguments();
        PrintWriter out = spec.commandLine().getOut();
        Steps steps = new Steps(out);

        ApiCall.Answer health = apiCall(steps, "health", "/health");
        if (health == null) {
            steps.skip("pool", "needs the API");
        } else {
            steps.report(health.ok(), "health", health.ok() ? "healthy" : health.error());
            pool(steps);
        }
        boolean probed = probe(steps, username);
        if (health == null) {
            steps.skip("exit", "needs the API");
        } else if (!probed) {
            steps.skip("exit", "needs a probe that passed");
        } else {
            exit(steps, session);
        }
        out.flush();
        return steps.allPassed() ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
    }

    /** The gateway and probe steps; true when the probe got a 2xx answer. */
    private boolean probe(Steps steps, String username) {
        try (SocksProbe p = steps.gateway(socks)) {
            if (p == null) {
                steps.skip("probe", "needs the gateway");
                return false;
            }
            String what = "GET " + probe + " as " + username + ": ";
            try {
                String status = p.get(probe, username, password);
                steps.report(isSuccess(status), "probe", what + status);
                return isSuccess(status);
            } catch (IOException e) {
                steps.report(false, "probe", what + e.getMessage());
                return false;
            }
        } catch (IOException closing) {
            return false; // only closing the probe's socket can throw here, after the steps were reported
        }
    }

    /** The probe's username must pass the gateway's grammar; the user's part is what the operator gave. */
    private String checkedUsername(String username) {
        if (user.contains("-")) { // the grammar would read the rest as routing keys: say what is wrong instead
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--user': '" + user
                    + "' is not a valid user (no '-': the check adds -session-<random> itself)");
        }
        try {
            UsernameGrammar.parse(username);
        } catch (RouteRequestException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--user': '" + user
                    + "' is not a valid user (" + e.getMessage() + ")");
        }
        return username;
    }

    private void checkArguments() {
        if (!"http".equals(probe.getScheme()) || probe.getHost() == null) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--probe-url': only"
                    + " http://HOST[:PORT]/PATH is supported, got '" + probe + "'");
        }
        if (probe.getHost().length() > 255) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--probe-url': its host is"
                    + " longer than SOCKS5's 255 bytes");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--socks-password': longer"
                    + " than SOCKS5's 255 bytes");
        }
    }

    /** The answer, or null after reporting the step FAIL when the API is not reachable at all. */
    private ApiCall.Answer apiCall(Steps steps, String step, String path) {
        try {
            return api.send("GET", path);
        } catch (ApiCall.Failed e) {
            steps.report(false, step, e.getMessage());
            return null;
        }
    }

    private void pool(Steps steps) {
        ApiCall.Answer pool = apiCall(steps, "pool", "/pool");
        if (pool == null) {
            return;
        }
        if (pool.status() == 409) {
            steps.report(true, "pool", "no tor pool (upstream is not tor-pool)");
            return;
        }
        long ready = pool.body().path("ready").asLong();
        steps.report(pool.ok() && ready > 0, "pool", pool.ok() ? ready + " of " + pool.body().path("size").asText()
                + " instances ready" : pool.error());
    }

    /** Polls the session until torgate has learned its exit, or {@link #exitWait} passes. */
    private void exit(Steps steps, String session) throws InterruptedException {
        String path = "/sessions/" + ApiCall.encode(user) + "/" + session;
        String name = user + "/" + session;
        long deadline = System.nanoTime() + exitWait.toNanos();
        while (true) {
            ApiCall.Answer s = apiCall(steps, "exit", path);
            if (s == null) {
                return;
            }
            if (s.status() == 501) {
                steps.report(true, "exit", "not tracked (no sticky sessions: upstream is not tor-pool)");
                return;
            }
            if (!s.ok()) {
                steps.report(false, "exit", "session " + name + ": " + s.error());
                return;
            }
            JsonNode exit = s.body().path("exit");
            if (exit.isObject()) {
                steps.report(true, "exit", "session " + name + " left through " + ApiCall.text(exit.get("nickname"))
                        + " " + ApiCall.text(exit.get("fingerprint")) + ", address " + known(exit.get("address"))
                        + ", country " + known(exit.get("country")));
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                JsonNode problem = s.body().path("problem");
                steps.report(false, "exit", "torgate learned no exit for session " + name + " within "
                        + exitWait.toMillis() / 1000.0 + " s" + (problem.isTextual() ? " (" + problem.asText() + ")" : ""));
                return;
            }
            Thread.sleep(POLL_INTERVAL.toMillis()); // torgate learns the exit from tor's events on its own time
        }
    }

    private static String known(JsonNode n) {
        return n == null || n.isNull() ? "unknown" : n.asText();
    }

    private static boolean isSuccess(String statusLine) {
        String[] parts = statusLine.split(" ", 3);
        return parts.length > 1 && parts[0].startsWith("HTTP/1.") && parts[1].length() == 3 && parts[1].startsWith("2");
    }

    private static String randomId() {
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            b.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
        }
        return b.toString();
    }

    /** The printed steps and whether all passed. */
    private static final class Steps {
        private final PrintWriter out;
        private boolean allPassed = true;

        Steps(PrintWriter out) {
            this.out = out;
        }

        void report(boolean ok, String name, String detail) {
            out.println((ok ? "ok   " : "FAIL ") + name + ": " + detail);
            allPassed &= ok;
        }

        /** A step not run because one it needs failed: the check has failed already. */
        void skip(String name, String why) {
            out.println("skip " + name + ": " + why);
        }

        /** The gateway step: an open probe connection, or null after reporting FAIL. */
        SocksProbe gateway(InetSocketAddress socks) {
            try {
                SocksProbe p = SocksProbe.open(socks, PROBE_TIMEOUT);
                report(true, "gateway", "up at " + Foreground.hostPort(socks) + " (SOCKS5)");
                return p;
            } catch (IOException e) {
                report(false, "gateway", e.getMessage());
                return null;
            }
        }

        boolean allPassed() {
            return allPassed;
        }
    }
}
