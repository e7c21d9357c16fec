package io.torgate.gateway.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level SOCKS5 client for tests that need to see reply codes (the JDK's client turns them into exception
 * text). Each step returns what the server answered, or -1 when it closed the connection instead.
 */
public final class Socks5TestClient implements AutoCloseable {

    public static final int NO_AUTH = 0x00;
    public static final int PASSWORD = 0x02;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private Socks5TestClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static Socks5TestClient connect(InetSocketAddress gateway) throws IOException {
        return connectFrom(gateway, null);
    }

    /** From this local address (e.g. 127.0.0.2: another client machine, as the gateway sees it); null: any. */
    public static Socks5TestClient connectFrom(InetSocketAddress gateway, java.net.InetAddress local) throws IOException {
        Socket socket = new Socket();
        if (local != null) {
            socket.bind(new InetSocketAddress(local, 0));
        }
        socket.connect(gateway, 5_000);
        socket.setSoTimeout(20_000);
        return new Socks5TestClient(socket);
    }

    /** Offers the methods; returns the chosen one (0xFF = none acceptable) or -1 on EOF. */
    public int greet(int... methods) throws IOException {
        byte[] greeting = new byte[2 + methods.length];
        greeting[0] = 5;
        greeting[1] = (byte) methods.length;
        for (int i = 0; i < methods.length; i++) {
            greeting[2 + i] = (byte) methods[i];
        }
        out.write(greeting);
        out.flush();
        if (readOrEof() != 5) {
            return -1;
        }
        return readOrEof();
    }

    /** RFC 1929 auth; returns the status (0 = success) or -1 on EOF. */
    public int authenticate(String user, String password) throws IOException {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        byte[] request = new byte[3 + u.length + p.length];
        request[0] = 1;
        request[1] = (byte) u.length;
        System.arraycopy(u, 0, request, 2, u.length);
        request[2 + u.length] = (byte) p.length;
        System.arraycopy(p, 0, request, 3 + u.length, p.length);
        out.write(request);
        out.flush();
        if (readOrEof() < 0) {
            return -1;
        }
        return readOrEof();
    }

    /** Greets with USERNAME/PASSWORD and authenticates; throws unless both succeed. */
    public Socks5TestClient login(String user, String password) throws IOException {
        int method = greet(PASSWORD);
        if (method != PASSWORD) {
            throw new IOException("server chose method " + method);
        }
        int status = authenticate(user, password);
        if (status != 0) {
            throw new IOException("auth status " + status);
        }
        return this;
    }

    /** CONNECT to a domain name (ATYP 3); returns the reply code or -1 on EOF. */
    public int connectDomain(String host, int port) throws IOException {
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[7 + name.length];
        request[0] = 5;
        request[1] = 1;
        request[3] = 3;
        request[4] = (byte) name.length;
        System.arraycopy(name, 0, request, 5, name.length);
        request[5 + name.length] = (byte) (port >> 8);
        request[6 + name.length] = (byte) port;
        return command(request);
    }

    /** CONNECT to an IP address (ATYP 1 or 4); returns the reply code or -1 on EOF. */
    public int connectIp(InetAddress address, int port) throws IOException {
        return request(1, address, port);
    }

    /** Any command to an IP address; returns the reply code or -1 on EOF. */
    public int request(int command, InetAddress address, int port) throws IOException {
        byte[] a = address.getAddress();
        byte[] request = new byte[6 + a.length];
        request[0] = 5;
        request[1] = (byte) command;
        request[3] = (byte) (address instanceof Inet6Address ? 4 : 1);
        System.arraycopy(a, 0, request, 4, a.length);
        request[4 + a.length] = (byte) (port >> 8);
        request[5 + a.length] = (byte) port;
        return command(request);
    }

    /** Sends a raw request and reads the reply; returns the reply code or -1 on EOF. */
    public int command(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        int version = readOrEof();
        if (version < 0) {
            return -1;
        }
        int code = in.readUnsignedByte();
        in.readUnsignedByte(); // reserved
        int type = in.readUnsignedByte();
        int length = type == 1 ? 4 : type == 4 ? 16 : in.readUnsignedByte();
        in.readFully(new byte[length + 2]);
        return code;
    }

    private int readOrEof() throws IOException {
        return in.read();
    }

    public Socket socket() {
        return socket;
    }

    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    /** True when the server closed: the next read sees EOF (or a reset). */
    public boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
