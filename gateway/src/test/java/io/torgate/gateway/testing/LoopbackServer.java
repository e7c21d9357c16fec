package io.torgate.gateway.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking TCP server on 127.0.0.1 with a free port and a thread per connection; subclasses say what to do with
 * each connection. Closing it closes the listener and every connection and stops its threads.
 */
public abstract class LoopbackServer implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, getClass().getSimpleName());
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();

    protected LoopbackServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    /** Connections accepted and not closed yet (by either side, as far as this server has noticed). */
    public int openConnections() {
        return open.size();
    }

    /** Handles one connection; the socket is closed afterwards. */
    protected abstract void serve(Socket socket) throws IOException;

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.add(socket);
            threads.execute(() -> {
                try (socket) {
                    serve(socket);
                } catch (IOException e) {
                    // The peer went away: nothing to do in a test server.
                } finally {
                    open.remove(socket);
                }
            });
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
