package io.torgate.control.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code torgate check}: health, pool, then one real request through the gateway's SOCKS5 port with a fresh
 * {@code check-session-ID} username, and the exit torgate recorded for that session.
 */
@Command(name = "check",
        description = {"Check a running torgate end to end: GET /health, GET /pool, one HTTP request through the"
                + " SOCKS5 port to --probe-url as user check-session-<random>, and the exit torgate recorded for"
                + " it. Each step prints ok or FAIL.", "",
                "Exit status: 0 all passed, 1 a step failed, 2 bad flag."},
        showDefaultValues = true, usageHelpAutoWidth = true)
final class CheckCommand implements Callable<Integer> {

    private static final int TIMEOUT_MILLIS = 30_000;
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

    @Option(names = "--socks-password", paramLabel = "PASSWORD", defaultValue = "check",
            description = "Password sent with the check username when the gateway asks for one.")
    String password;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        if (!"http".equals(probe.getScheme()) || probe.getHost() == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--probe-url': only http://HOST[:PORT]/PATH is supported, got " + probe);
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean all = true;
        ApiCall.Answer health = api.send("GET", "/health");
        all &= step(out, health.ok(), "health", health.ok() ? "healthy" : health.error());
        ApiCall.Answer pool = api.send("GET", "/pool");
        if (pool.status() == 409) {
            step(out, true, "pool", "no tor-pool upstream");
        } else {
            boolean ready = pool.ok() && pool.body().path("ready").asLong() > 0;
            all &= step(out, ready, "pool", pool.ok() ? pool.body().path("ready").asText() + " of "
                    + pool.body().path("size").asText() + " instances ready" : pool.error());
        }
        String session = randomId();
        String user = "check-session-" + session;
        String probeResult;
        boolean probed;
        try {
            probeResult = fetch(user);
            probed = probeResult.startsWith("HTTP/1.") && probeResult.split(" ", 3).length > 1
                    && probeResult.split(" ", 3)[1].startsWith("2");
        } catch (IOException e) {
            probeResult = e.getMessage();
            probed = false;
        }
        all &= step(out, probed, "probe", "GET " + probe + " via " + Foreground.hostPort(socks) + " as " + user
                + ": " + probeResult);
        ApiCall.Answer s = api.send("GET", "/sessions/check/" + session);
        all &= step(out, s.ok(), "exit", s.ok() ? RotateCommand.exit(s.body().get("exit")) + " address "
                + ApiCall.text(s.body().path("exit").get("address")) : s.error());
        out.flush();
        return all ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
    }

    private static boolean step(PrintWriter out, boolean ok, String name, String detail) {
        out.println((ok ? "ok   " : "FAIL ") + name + ": " + detail);
        return ok;
    }

    /** One HTTP/1.1 GET through SOCKS5 (the host name goes to the gateway unresolved); returns the status line. */
    private String fetch(String user) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(socks, TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            InputStream in = s.getInputStream();
            OutputStream o = s.getOutputStream();
            o.write(new byte[] {5, 2, 0, 2});
            o.flush();
            byte[] choice = in.readNBytes(2);
            if (choice.length < 2 || choice[0] != 5) {
                throw new IOException("not a SOCKS5 server");
            }
            if (choice[1] == 2) {
                byte[] u = user.getBytes(StandardCharsets.UTF_8);
                byte[] p = password.getBytes(StandardCharsets.UTF_8);
                ByteArrayOutputStream auth = new ByteArrayOutputStream();
                auth.write(1);
                auth.write(u.length);
                auth.write(u);
                auth.write(p.length);
                auth.write(p);
                o.write(auth.toByteArray());
                o.flush();
                byte[] status = in.readNBytes(2);
                if (status.length < 2 || status[1] != 0) {
                    throw new IOException("SOCKS5 authentication refused");
                }
            } else if (choice[1] != 0) {
                throw new IOException("SOCKS5 server accepts no offered method");
            }
            byte[] host = probe.getHost().getBytes(StandardCharsets.US_ASCII);
            int port = probe.getPort() < 0 ? 80 : probe.getPort();
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.write(new byte[] {5, 1, 0, 3, (byte) host.length});
            req.write(host);
            req.write(port >> 8);
            req.write(port & 0xff);
            o.write(req.toByteArray());
            o.flush();
            byte[] reply = in.readNBytes(4);
            if (reply.length < 4 || reply[1] != 0) {
                throw new IOException("SOCKS5 CONNECT refused (reply " + (reply.length < 2 ? "none" : reply[1]) + ")");
            }
            int skip = reply[3] == 1 ? 4 : reply[3] == 4 ? 16 : in.read();
            in.readNBytes(skip + 2);
            String path = probe.getRawPath() == null || probe.getRawPath().isEmpty() ? "/" : probe.getRawPath();
            if (probe.getRawQuery() != null) {
                path += "?" + probe.getRawQuery();
            }
            o.write(("GET " + path + " HTTP/1.1\r\nHost: " + probe.getHost() + (probe.getPort() < 0 ? "" : ":" + port)
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString().strip();
        }
    }

    private static String randomId() {
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            b.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
        }
        return b.toString();
    }
}
