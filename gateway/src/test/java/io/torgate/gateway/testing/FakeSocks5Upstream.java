package io.torgate.gateway.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A SOCKS5 server for tests that records exactly what it was asked (address type, address as sent, port,
 * credentials) and answers with a chosen reply code. On success it echoes, optionally sending a banner in the
 * same write as its reply (as a server that talks first would, through Tor). It never connects anywhere. It can
 * also insist on pipelined requests (no reply before the CONNECT is in) or know no logins at all.
 */
public final class FakeSocks5Upstream extends LoopbackServer {

    /** One CONNECT as received. {@code address} is the text form: dotted IPv4, IPv6 hex, or the domain name. */
    public record Request(int command, int addressType, String address, int port, String username, String password) {
    }

    /** How it answers the greeting and the login. */
    private enum Mode {
        /** Each reply right after its request, and username/password whenever it is offered. */
        STEP_BY_STEP,
        /** Replies only once greeting, login and CONNECT have all arrived: a client waiting for one hangs. */
        PIPELINED_ONLY,
        /** Knows no logins: picks no-auth, or answers 0xff when that is not offered. */
        NO_AUTH_ONLY
    }

    private final int replyCode;
    private final boolean answer;
    private final byte[] banner;
    private final Mode mode;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<List<Integer>> greetings = new CopyOnWriteArrayList<>();

    private FakeSocks5Upstream(int replyCode, boolean answer, byte[] banner, Mode mode) throws IOException {
        super();
        this.replyCode = replyCode;
        this.answer = answer;
        this.banner = banner;
        this.mode = mode;
    }

    private FakeSocks5Upstream(int replyCode, boolean answer, byte[] banner) throws IOException {
        this(replyCode, answer, banner, Mode.STEP_BY_STEP);
    }

    /**
     * Succeeds and echoes, but sends no reply at all before greeting, login and CONNECT have all arrived; a client
     * that waits for the greeting's reply before sending more never gets one.
     */
    public static FakeSocks5Upstream requiringPipelining(byte[] banner) throws IOException {
        return new FakeSocks5Upstream(0, true, banner, Mode.PIPELINED_ONLY);
    }

    /** Succeeds and echoes, but knows no username/password: a greeting that offers only that gets 0xff. */
    public static FakeSocks5Upstream withoutLogins() throws IOException {
        return new FakeSocks5Upstream(0, true, new byte[0], Mode.NO_AUTH_ONLY);
    }

    /** The methods each greeting offered, in arrival order. */
    public List<List<Integer>> greetings() {
        return List.copyOf(greetings);
    }

    /** Answers every CONNECT with {@code code}; 0 means success, after which it echoes. */
    public static FakeSocks5Upstream replying(int code) throws IOException {
        return new FakeSocks5Upstream(code, true, new byte[0]);
    }

    /** Succeeds and sends {@code banner} in the same write as the reply, then echoes. */
    public static FakeSocks5Upstream withBanner(byte[] banner) throws IOException {
        return new FakeSocks5Upstream(0, true, banner);
    }

    /** Reads the CONNECT, records it, and never answers (for timeouts). */
    public static FakeSocks5Upstream silent() throws IOException {
        return new FakeSocks5Upstream(0, false, new byte[0]);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    protected void serve(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        if (in.readUnsignedByte() != 5) {
            return;
        }
        byte[] methods = new byte[in.readUnsignedByte()];
        in.readFully(methods);
        List<Integer> offered = new java.util.ArrayList<>();
        for (byte m : methods) {
            offered.add(m & 0xff);
        }
        greetings.add(List.copyOf(offered));
        int method;
        if (mode == Mode.NO_AUTH_ONLY) {
            method = offered.contains(0) ? 0 : 0xff;
        } else {
            method = offered.contains(2) ? 2 : 0;
        }
        boolean password = method == 2;
        String username = null;
        String pass = null;
        if (mode != Mode.PIPELINED_ONLY) {
            out.write(new byte[] {5, (byte) method});
            out.flush();
        }
        if (method == 0xff) {
            return;
        }
        if (password) {
            in.readUnsignedByte(); // subnegotiation version 1
            username = readString(in, in.readUnsignedByte());
            pass = readString(in, in.readUnsignedByte());
            if (mode != Mode.PIPELINED_ONLY) {
                out.write(new byte[] {1, 0});
                out.flush();
            }
        }
        in.readUnsignedByte(); // version
        int command = in.readUnsignedByte();
        in.readUnsignedByte(); // reserved
        int addressType = in.readUnsignedByte();
        String address;
        if (addressType == 1) {
            byte[] a = new byte[4];
            in.readFully(a);
            address = (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        } else if (addressType == 4) {
            byte[] a = new byte[16];
            in.readFully(a);
            address = java.net.InetAddress.getByAddress(a).getHostAddress();
        } else if (addressType == 3) {
            address = readString(in, in.readUnsignedByte());
        } else {
            return;
        }
        int port = in.readUnsignedShort();
        requests.add(new Request(command, addressType, address, port, username, pass));
        if (!answer) {
            // Hold the connection open, reading nothing more, until the other side gives up.
            in.read();
            return;
        }
        byte[] reply = {5, (byte) replyCode, 0, 1, 0, 0, 0, 0, 0, 0};
        if (mode == Mode.PIPELINED_ONLY) {
            // All the replies held back so far, in front of the CONNECT reply: one write.
            byte[] before = password ? new byte[] {5, 2, 1, 0} : new byte[] {5, 0};
            byte[] all = new byte[before.length + reply.length];
            System.arraycopy(before, 0, all, 0, before.length);
            System.arraycopy(reply, 0, all, before.length, reply.length);
            reply = all;
        }
        byte[] first = new byte[reply.length + banner.length];
        System.arraycopy(reply, 0, first, 0, reply.length);
        System.arraycopy(banner, 0, first, reply.length, banner.length);
        out.write(first);
        out.flush();
        if (replyCode != 0) {
            return;
        }
        InputStream raw = socket.getInputStream();
        byte[] buf = new byte[16 * 1024];
        int n;
        while ((n = raw.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        socket.shutdownOutput();
    }

    private static String readString(DataInputStream in, int length) throws IOException {
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
