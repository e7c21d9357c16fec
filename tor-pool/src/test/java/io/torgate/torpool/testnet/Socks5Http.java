package io.torgate.torpool.testnet;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately small SOCKS5 (RFC 1928, username/password RFC 1929) + HTTP/1.1 client for tests: it lets a
 * test choose the SOCKS username (tor isolates circuits by it) and send several requests on one connection.
 * Destinations are sent as IPv4 literals, as on the testnet nothing resolves names.
 */
public final class Socks5Http {

    /** One HTTP answer; header names are lower-cased. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private Socks5Http() {
    }

    /** One GET through the SOCKS5 proxy at 127.0.0.1:{@code socksPort}, authenticating as {@code user}. */
    public static Response get(int socksPort, String user, URI url, Duration timeout) throws IOException {
        return get(socksPort, user, url, 1, timeout).get(0);
    }

    /** {@code count} GETs one after another on the same (kept-alive) connection. */
    public static List<Response> get(int socksPort, String user, URI url, int count, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout((int) timeout.toMillis());
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), socksPort), (int) timeout.toMillis());
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            handshake(in, out, user, url);
            List<Response> responses = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String path = url.getRawPath().isEmpty() ? "/" : url.getRawPath();
                if (url.getRawQuery() != null) {
                    path += "?" + url.getRawQuery();
                }
                out.write(("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                        + "\r\nConnection: keep-alive\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                responses.add(readResponse(in));
            }
            return responses;
        }
    }

    private static void handshake(DataInputStream in, OutputStream out, String user, URI url) throws IOException {
        if (user == null) {
            out.write(new byte[] {5, 1, 0});
        } else {
            out.write(new byte[] {5, 1, 2});
        }
        out.flush();
        int version = in.readUnsignedByte();
        int method = in.readUnsignedByte();
        if (version != 5 || method == 0xFF) {
            throw new IOException("SOCKS5 proxy refused our auth method (version " + version + ", method " + method + ")");
        }
        if (method == 2) {
            byte[] u = user.getBytes(StandardCharsets.UTF_8);
            byte[] p = "x".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream auth = new ByteArrayOutputStream();
            auth.write(1);
            auth.write(u.length);
            auth.write(u);
            auth.write(p.length);
            auth.write(p);
            out.write(auth.toByteArray());
            out.flush();
            in.readUnsignedByte();
            int status = in.readUnsignedByte();
            if (status != 0) {
                throw new IOException("SOCKS5 username/password rejected (status " + status + ")");
            }
        }
        byte[] ip = InetAddress.getByName(url.getHost()).getAddress();
        if (ip.length != 4) {
            throw new IOException("this helper only connects to IPv4 literals, got " + url.getHost());
        }
        out.write(new byte[] {5, 1, 0, 1, ip[0], ip[1], ip[2], ip[3], (byte) (url.getPort() >> 8), (byte) url.getPort()});
        out.flush();
        in.readUnsignedByte();
        int reply = in.readUnsignedByte();
        in.readUnsignedByte();
        int atyp = in.readUnsignedByte();
        int addrLen = atyp == 1 ? 4 : atyp == 4 ? 16 : in.readUnsignedByte();
        in.readFully(new byte[addrLen + 2]);
        if (reply != 0) {
            throw new IOException("SOCKS5 CONNECT to " + url.getHost() + ":" + url.getPort() + " failed with reply " + reply);
        }
    }

    private static Response readResponse(DataInputStream in) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP status line: '" + statusLine + "'");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        String len = headers.get("content-length");
        byte[] body = new byte[len == null ? 0 : Integer.parseInt(len)];
        in.readFully(body);
        return new Response(Integer.parseInt(parts[1]), headers, body);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("connection closed in the middle of an HTTP response");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
