package io.torgate.bench.load;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One blocking SOCKS5 connection the way curl and the load harness make it: TCP_NODELAY, greeting, wait, login
 * (when given), wait, CONNECT to an IPv4 target, wait; then an HTTP GET with {@code Connection: close} read to
 * the end. Blocking sockets on a thread of their own, so no event loop's scheduling sits between the reply
 * arriving and the clock being read.
 */
final class PairedSocksClient {

    /**
     * Milliseconds from the connect call: TCP established, SOCKS5 success reply (the harness's "connect
     * latency"), first answer byte, last answer byte; and from writing the CONNECT request to its reply.
     */
    record Timing(double tcpMillis, double socksMillis, double connectRequestMillis, double firstByteMillis,
                  double totalMillis) {
    }

    private static final int READ_TIMEOUT_MILLIS = 30_000;

    private final InetSocketAddress target;
    private final byte[] httpRequest;

    PairedSocksClient(InetSocketAddress target) {
        this.target = target;
        this.httpRequest = ("GET / HTTP/1.1\r\nHost: " + Args.hostPort(target) + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** One connection through the SOCKS5 server at {@code proxy}; {@code login} null means NO AUTH. */
    Timing run(InetSocketAddress proxy, Peer.Credentials login) throws IOException {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            s.connect(proxy, READ_TIMEOUT_MILLIS);
            long tcp = System.nanoTime();
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {5, 1, (byte) (login == null ? 0 : 2)});
            byte[] method = readFully(in, 2);
            if (method[0] != 5 || method[1] != (login == null ? 0 : 2)) {
                throw new IOException("proxy " + Args.hostPort(proxy) + " chose method " + method[1]);
            }
            if (login != null) {
                byte[] u = login.username().getBytes(StandardCharsets.UTF_8);
                byte[] p = login.password().getBytes(StandardCharsets.UTF_8);
                byte[] auth = new byte[3 + u.length + p.length];
                auth[0] = 1;
                auth[1] = (byte) u.length;
                System.arraycopy(u, 0, auth, 2, u.length);
                auth[2 + u.length] = (byte) p.length;
                System.arraycopy(p, 0, auth, 3 + u.length, p.length);
                out.write(auth);
                byte[] status = readFully(in, 2);
                if (status[1] != 0) {
                    throw new IOException("proxy " + Args.hostPort(proxy) + " refused the login");
                }
            }
            byte[] ip = ((Inet4Address) target.getAddress()).getAddress();
            out.write(new byte[] {5, 1, 0, 1, ip[0], ip[1], ip[2], ip[3],
                    (byte) (target.getPort() >> 8), (byte) target.getPort()});
            long connectSent = System.nanoTime();
            byte[] head = readFully(in, 5);
            if (head[1] != 0) {
                throw new IOException("proxy " + Args.hostPort(proxy) + " answered CONNECT with " + head[1]);
            }
            int rest = switch (head[3]) {
                case 1 -> 5;
                case 4 -> 17;
                case 3 -> (head[4] & 0xff) + 2;
                default -> throw new IOException("bad ATYP " + head[3]);
            };
            readFully(in, rest);
            long socks = System.nanoTime();
            out.write(httpRequest);
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            if (n < 0) {
                throw new EOFException("no answer through " + Args.hostPort(proxy));
            }
            long first = System.nanoTime();
            long bytes = n;
            while ((n = in.read(buf)) >= 0) {
                bytes += n;
            }
            long end = System.nanoTime();
            if (bytes < "HTTP/1.1 200 \r\n\r\n".length()) {
                throw new IOException("short answer through " + Args.hostPort(proxy) + ": " + bytes + " bytes");
            }
            return new Timing(ms(tcp - start), ms(socks - start), ms(socks - connectSent), ms(first - start),
                    ms(end - start));
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new EOFException("proxy closed after " + off + " of " + n + " reply bytes");
            }
            off += r;
        }
        return b;
    }
}
