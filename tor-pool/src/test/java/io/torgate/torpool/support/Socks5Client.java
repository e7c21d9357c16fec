package io.torgate.torpool.support;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal SOCKS5 client for tests: CONNECT to an IPv4 literal, optionally with a username/password (which
 * tor's IsolateSOCKSAuth uses to separate circuits). The JDK's own SOCKS client takes credentials only from
 * the process-wide Authenticator, which tests running in parallel cannot share.
 */
public final class Socks5Client {

    private Socks5Client() {
    }

    /** Connects through the proxy; the returned socket's local port is what tor sees as SOURCE_ADDR. */
    public static Socket connect(InetSocketAddress proxy, String host, int port, String user, String pass, int timeoutMs)
            throws IOException {
        Socket s = new Socket();
        try {
            s.connect(proxy, timeoutMs);
            s.setSoTimeout(timeoutMs);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            boolean auth = user != null;
            out.write(auth ? new byte[] {5, 1, 2} : new byte[] {5, 1, 0});
            out.flush();
            byte[] choice = new byte[2];
            in.readFully(choice);
            if (choice[0] != 5 || choice[1] != (auth ? 2 : 0)) {
                throw new IOException("proxy chose method " + choice[1]);
            }
            if (auth) {
                byte[] u = user.getBytes(StandardCharsets.UTF_8);
                byte[] p = pass.getBytes(StandardCharsets.UTF_8);
                out.write(1);
                out.write(u.length);
                out.write(u);
                out.write(p.length);
                out.write(p);
                out.flush();
                byte[] status = new byte[2];
                in.readFully(status);
                if (status[1] != 0) {
                    throw new IOException("proxy refused the credentials");
                }
            }
            String[] octets = host.split("\\.");
            if (octets.length != 4) {
                throw new IllegalArgumentException("IPv4 literal expected, got " + host);
            }
            out.write(new byte[] {5, 1, 0, 1});
            for (String o : octets) {
                out.write(Integer.parseInt(o));
            }
            out.write(port >> 8);
            out.write(port & 0xff);
            out.flush();
            byte[] reply = new byte[10];
            in.readFully(reply);
            if (reply[1] != 0) {
                throw new IOException("SOCKS5 CONNECT failed with reply code " + reply[1]);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Sends a one-line HTTP GET over an established tunnel and returns the response body. */
    public static String get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: whoami\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int body = response.indexOf("\r\n\r\n");
        return body < 0 ? response : response.substring(body + 4);
    }
}
