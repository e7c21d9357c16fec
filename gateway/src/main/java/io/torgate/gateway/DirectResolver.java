package io.torgate.gateway;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The ONE place torgate resolves a client's hostname, and only for {@link Route#direct()}: there the gateway
 * is itself the last hop and must have an address to connect to. Every other route hands the name upstream
 * unresolved (socks5h semantics), so DNS happens at the Tor exit.
 * <p>
 * The JDK resolver blocks, so it runs on a few threads of its own rather than on an event loop.
 */
final class DirectResolver implements AutoCloseable {

    private static final int THREADS = 4;

    /** A blocking name lookup (the JDK's, or a fake in tests). */
    @FunctionalInterface
    interface Lookup {
        InetAddress byName(String host) throws UnknownHostException;
    }

    private final Lookup lookup;
    private final ThreadPoolExecutor pool;

    DirectResolver() {
        this(InetAddress::getByName);
    }

    DirectResolver(Lookup lookup) {
        this.lookup = lookup;
        pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("torgate-direct-dns", true));
        pool.allowCoreThreadTimeOut(true);
    }

    CompletableFuture<InetAddress> resolve(String host) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return lookup.byName(host);
            } catch (UnknownHostException e) {
                throw new CompletionException(e);
            }
        }, pool);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
