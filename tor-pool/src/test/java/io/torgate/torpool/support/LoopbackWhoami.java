package io.torgate.torpool.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * An HTTP server on 127.0.0.1 that answers each request with the fingerprint of the exit relay that made the
 * connection. Tor does not bind exit connections to loopback destinations to the relay's own address, so the
 * peer address says nothing; instead the peer's socket is found in /proc/net/tcp and its owner among the
 * relays' tor processes. This is independent of torgate's control-port bookkeeping, which tests check against it.
 */
public final class LoopbackWhoami implements AutoCloseable {

    private final ServerSocket server;
    private final Supplier<Map<Long, String>> relayPids;
    private final Thread acceptor;

    /** @param relayPids PID → fingerprint of every relay that may carry exit traffic, asked at each request */
    public LoopbackWhoami(Supplier<Map<Long, String>> relayPids) throws IOException {
        this.relayPids = relayPids;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "whoami-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    // read the request head
                }
                String owner = ownerOf(s.getPort(), server.getLocalPort());
                s.getOutputStream().write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + owner + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // closed, or a client gave up: keep serving
            }
        }
    }

    /** The fingerprint of the relay whose socket has local port {@code peerPort} towards our port, or "unknown". */
    private String ownerOf(int peerPort, int ourPort) throws IOException {
        String inode = inodeOf(peerPort, ourPort);
        if (inode == null) {
            return "unknown";
        }
        String target = "socket:[" + inode + "]";
        for (Map.Entry<Long, String> e : relayPids.get().entrySet()) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", e.getKey().toString(), "fd"))) {
                boolean owns = fds.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).toString().equals(target);
                    } catch (IOException ex) {
                        return false;
                    }
                });
                if (owns) {
                    return e.getValue();
                }
            } catch (IOException ex) {
                // relay gone
            }
        }
        return "unknown";
    }

    private static String inodeOf(int localPort, int remotePort) throws IOException {
        String wantLocal = String.format(":%04X", localPort);
        String wantRemote = String.format(":%04X", remotePort);
        for (String row : Files.readAllLines(Path.of("/proc/net/tcp"))) {
            String[] f = row.trim().split("\\s+");
            if (f.length > 9 && f[1].endsWith(wantLocal) && f[2].endsWith(wantRemote)) {
                return f[9];
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
