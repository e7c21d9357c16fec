package io.torgate.torpool.testnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Finds listening ports that are free on a given loopback address. Other test networks may run on this
 * machine at the same time, so ports are never fixed: a remembered port is checked before reuse and a new
 * one comes from the kernel's ephemeral range.
 */
final class FreePorts {

    private FreePorts() {
    }

    /** True when a listener could bind {@code address:port} right now (tor binds with SO_REUSEADDR too). */
    static boolean isFree(String address, int port) {
        if (port <= 0) {
            return false;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port the kernel considers free on {@code address}. */
    static int pick(String address) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0), 1);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + address, e);
        }
    }

    /** The remembered port if still free, else a fresh one that differs from {@code avoid}. */
    static int reuseOrPick(String address, int remembered, int avoid) {
        if (remembered != avoid && isFree(address, remembered)) {
            return remembered;
        }
        int p;
        do {
            p = pick(address);
        } while (p == avoid);
        return p;
    }
}
