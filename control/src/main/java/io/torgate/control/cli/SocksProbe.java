package io.torgate.control.cli;

import io.torgate.gateway.SocksReply;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of {@code torgate check}'s probe, in two steps so a failure says which part is down:
 * {@link #open} connects and greets (is a SOCKS5 gateway there?), {@link #get} logs in, CONNECTs with the host
 * name unresolved (socks5h: the gateway, not this machine, resolves it) and returns the HTTP status line.
 */
final class SocksProbe implements Closeable {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final byte METHOD_NONE = 0;
    private static final byte METHOD_PASSWORD = 2;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final boolean loginAsked;

    private SocksProbe(Socket socket, boolean loginAsked) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.loginAsked = loginAsked;
    }

    /**
     * Connects to {@code gateway} and offers "no login" and "username/password".
     *
     * @throws IOException naming what failed: nothing listens, no answer, or not SOCKS5
     */
    static SocksProbe open(InetSocketAddress gateway, Duration timeout) throws IOException {
        String where = Foreground.hostPort(gateway);
        Socket s = new Socket();
        try {
            try {
                s.connect(gateway, (int) timeout.toMillis());
            } catch (IOException e) {
                throw new IOException("nothing accepts connections at " + where + " (" + e.getMessage() + ")", e);
            }
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(new byte[] {5, 2, METHOD_NONE, METHOD_PASSWORD});
            s.getOutputStream().flush();
            byte[] choice;
            try {
                choice = s.getInputStream().readNBytes(2);
            } catch (SocketTimeoutException e) {
                throw new IOException(where + " did not answer the SOCKS5 greeting within " + timeout.toSeconds() + " s", e);
            }
            if (choice.length < 2 || choice[0] != 5) {
                throw new IOException(where + " does not answer as a SOCKS5 server");
            }
            if (choice[1] != METHOD_NONE && choice[1] != METHOD_PASSWORD) {
                throw new IOException(where + " accepts neither of the offered SOCKS5 methods (none, username/password)");
            }
            return new SocksProbe(s, choice[1] == METHOD_PASSWORD);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * One HTTP/1.1 GET of {@code url} through the gateway as {@code user}; returns the response's status line.
     *
     * @throws IOException naming the step that failed: the login, the CONNECT (with its SOCKS5 reply) or the HTTP
     *                     exchange
     */
    String get(URI url, String user, String password) throws IOException {
        try {
            return exchange(url, user, password);
        } catch (SocketTimeoutException e) {
            throw new IOException("no answer within " + socket.getSoTimeout() / 1000 + " s", e);
        }
    }

    private String exchange(URI url, String user, String password) throws IOException {
        if (loginAsked) { // torgate asks even without users: the username carries the route
            login(user, password);
        }
        int port = url.getPort() < 0 ? 80 : url.getPort();
        out.write(connectRequest(url.getHost(), port));
        out.flush();
        byte[] reply = in.readNBytes(4);
        if (reply.length < 2) {
            throw new IOException("the gateway closed the connection without answering the CONNECT");
        }
        if (reply[1] != 0) {
            throw new IOException("the gateway refused the CONNECT to " + url.getHost() + ":" + port + " with SOCKS5 reply "
                    + reply[1] + " (" + SocksReply.of(reply[1]) + ")");
        }
        skipBoundAddress(reply.length < 4 ? -1 : reply[3]);
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + (url.getPort() < 0 ? "" : ":" + port)
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            line.append((char) c);
        }
        String status = line.toString().strip();
        if (status.isEmpty()) {
            throw new IOException("the connection to " + url.getHost() + ":" + port + " closed without an HTTP answer");
        }
        return status;
    }

    private void login(String user, String password) throws IOException {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream auth = new ByteArrayOutputStream();
        auth.write(1);
        auth.write(u.length);
        auth.writeBytes(u);
        auth.write(p.length);
        auth.writeBytes(p);
        out.write(auth.toByteArray());
        out.flush();
        byte[] status = in.readNBytes(2);
        if (status.length < 2 || status[1] != 0) {
            throw new IOException("the gateway refused the login as " + user
                    + " (wrong --user or --socks-password?)");
        }
    }

    /** An IP literal goes as an address, anything else as a name for the gateway to resolve. */
    private static byte[] connectRequest(String host, int port) throws IOException {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(new byte[] {5, 1, 0});
        byte[] v4 = ipv4(host);
        if (host.startsWith("[")) {
            req.write(4);
            // a bracketed IPv6 literal (java.net.URI checked it): parsed, never looked up
            req.writeBytes(InetAddress.getByName(host).getAddress());
        } else if (v4 != null) {
            req.write(1);
            req.writeBytes(v4);
        } else {
            byte[] name = host.getBytes(StandardCharsets.US_ASCII);
            req.write(3);
            req.write(name.length);
            req.writeBytes(name);
        }
        req.write(port >> 8);
        req.write(port & 0xff);
        return req.toByteArray();
    }

    /** The four bytes of a dotted-quad literal, or null for anything else (a name: no local lookup). */
    private static byte[] ipv4(String host) {
        Matcher m = IPV4.matcher(host);
        if (!m.matches()) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            int octet = Integer.parseInt(m.group(i + 1));
            if (octet > 255) {
                return null;
            }
            b[i] = (byte) octet;
        }
        return b;
    }

    private void skipBoundAddress(int addressType) throws IOException {
        int length = switch (addressType) {
            case 1 -> 4;
            case 4 -> 16;
            case 3 -> in.read();
            default -> throw new IOException("the gateway's CONNECT reply has an unknown address type " + addressType);
        };
        if (length < 0 || in.readNBytes(length + 2).length < length + 2) {
            throw new IOException("the gateway closed the connection in its CONNECT reply");
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
