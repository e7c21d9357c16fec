package io.torgate.torpool.testnet;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test network's DNS server, named in every relay's {@code ServerDNSResolvConfFile}: a UDP server on
 * 127.0.0.1 that answers every query "no such name" (NXDOMAIN) at once. The network has no names, but a
 * resolver that answers is what real exits have: without one, each exit's lookup waited for a resolver that
 * never replied, and tor's retries of a name that cannot resolve took anywhere from 6 s to past a minute.
 */
final class NxDomainResolver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NxDomainResolver.class);
    private static final int HEADER = 12;
    private static final int RCODE_NXDOMAIN = 3;
    private static final int RCODE_FORMERR = 1;

    private final DatagramSocket socket;
    private final Thread thread;
    private final AtomicLong answered = new AtomicLong();

    private NxDomainResolver(DatagramSocket socket) {
        this.socket = socket;
        this.thread = new Thread(this::serve, "testnet-dns");
        this.thread.setDaemon(true);
    }

    static NxDomainResolver start() throws IOException {
        NxDomainResolver r = new NxDomainResolver(new DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        r.thread.start();
        return r;
    }

    /** The port on 127.0.0.1, for a resolv.conf line {@code nameserver 127.0.0.1:PORT} (tor's parser takes it). */
    int port() {
        return socket.getLocalPort();
    }

    /** Queries answered so far. */
    long answered() {
        return answered.get();
    }

    private void serve() {
        byte[] buf = new byte[1500];
        while (!socket.isClosed()) {
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
                byte[] reply = reply(Arrays.copyOf(in.getData(), in.getLength()));
                if (reply != null) {
                    answered.incrementAndGet(); // before the send: whoever gets the reply sees it counted
                    socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
                }
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                log.debug("test network DNS: {}", e.toString());
            }
        }
    }

    /**
     * The answer to one query (RFC 1035 §4.1): its ID, QR set, its opcode and RD bit, RA set, RCODE 3 (NXDOMAIN)
     * and its question section echoed; FORMERR without the question when there is none to echo. Null for what is
     * not a query (too short, or a response).
     */
    static byte[] reply(byte[] query) {
        if (query.length < HEADER || (query[2] & 0x80) != 0) {
            return null;
        }
        int qdcount = (query[4] & 0xff) << 8 | (query[5] & 0xff);
        int questionEnd = qdcount == 1 ? questionEnd(query) : -1;
        int rcode = questionEnd < 0 ? RCODE_FORMERR : RCODE_NXDOMAIN;
        int length = questionEnd < 0 ? HEADER : questionEnd;
        byte[] out = Arrays.copyOf(query, length);
        out[2] = (byte) (0x80 | (query[2] & 0x79)); // QR, opcode and RD kept; AA and TC clear
        out[3] = (byte) (0x80 | rcode); // RA, Z clear
        out[4] = 0;
        out[5] = (byte) (questionEnd < 0 ? 0 : 1);
        Arrays.fill(out, 6, HEADER, (byte) 0); // no answer, authority or additional records
        return out;
    }

    /** Where the first question (name, QTYPE, QCLASS) ends, or -1 when it is malformed or compressed. */
    private static int questionEnd(byte[] q) {
        int i = HEADER;
        while (i < q.length) {
            int label = q[i] & 0xff;
            if (label == 0) {
                return i + 5 <= q.length ? i + 5 : -1;
            }
            if (label > 63) {
                return -1;
            }
            i += label + 1;
        }
        return -1;
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
