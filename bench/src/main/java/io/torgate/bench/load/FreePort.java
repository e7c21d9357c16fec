package io.torgate.bench.load;

import java.net.InetAddress;
import java.net.ServerSocket;

/** Prints a TCP port that is free on 127.0.0.1 right now (for peers that cannot bind port 0 and report it). */
public final class FreePort {

    private FreePort() {
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            System.out.println(s.getLocalPort());
        }
    }
}
