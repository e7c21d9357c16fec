package io.torgate.bench.load;

import io.torgate.gateway.DirectRouter;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * torgate's gateway exactly as {@code torgate run --upstream direct} starts it (GatewayConfig defaults, which the
 * CLI's defaults mirror, a DirectRouter, loopback, no users), plus a one-line stats port: every connection to it
 * gets {@code tunnels=N pooledDirect=BYTES rss=BYTES pss=BYTES heapAfterGc=BYTES} and is closed. The CLI does not expose the
 * allocator's pooled memory, so the memory run reads that figure from here.
 */
public final class TorgateStatsHost {

    private TorgateStatsHost() {
    }

    /**
     * Formats one stats line for the gateway running in this process. The heap figure is taken right after a
     * full GC, so it counts live objects (what each tunnel really keeps), not garbage waiting for collection.
     */
    static String statsLine(Gateway gateway) throws IOException {
        System.gc();
        long heapAfterGc = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        MemoryProbe.Sample own = new ProcessMemory(ProcessMemory.ownPid()).sample();
        return "tunnels=" + gateway.activeTunnels() + " pooledDirect=" + gateway.usedDirectMemory()
                + " rss=" + own.rssBytes() + " pss=" + own.pssBytes() + " heapAfterGc=" + heapAfterGc;
    }

    /** {@code TorgateStatsHost [--socks HOST:PORT]}: runs until killed; prints both addresses. */
    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        Gateway gateway = Gateway.start(GatewayConfig.builder()
                .listen(a.address("--socks", "127.0.0.1:0"))
                .router(new DirectRouter())
                .build());
        ServerSocket stats = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stats.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            gateway.close();
            stop.countDown();
        }, "stats-host-stop"));
        Thread server = new Thread(() -> serve(stats, gateway), "stats");
        server.setDaemon(true);
        server.start();
        System.out.println("torgate listening on " + Args.hostPort(gateway.address()) + " stats on "
                + Args.hostPort((InetSocketAddress) stats.getLocalSocketAddress()));
        System.out.flush();
        stop.await();
    }

    private static void serve(ServerSocket stats, Gateway gateway) {
        while (!stats.isClosed()) {
            try (Socket s = stats.accept(); OutputStream out = s.getOutputStream()) {
                out.write((statsLine(gateway) + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the harness went away mid-line, or we are stopping: next connection
            }
        }
    }
}
