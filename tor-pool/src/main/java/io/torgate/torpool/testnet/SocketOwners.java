package io.torgate.torpool.testnet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;

/**
 * Finds which process owns one end of a local TCP connection, from Linux's /proc: the connection's socket
 * inode comes from {@code /proc/net/tcp} (or {@code tcp6}), and the owner is the process with a
 * {@code socket:[inode]} link in {@code /proc/PID/fd}. This needs no cooperation from the process, so the
 * whoami server can tell which exit relay carried a request without trusting anyone's bookkeeping.
 */
final class SocketOwners {

    private static final Path PROC = Path.of("/proc");

    private SocketOwners() {
    }

    /** The inode of the socket whose local end is {@code local} and whose peer is {@code remote}. */
    static OptionalLong inodeOf(InetSocketAddress local, InetSocketAddress remote) {
        for (String table : List.of("net/tcp", "net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(PROC.resolve(table));
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                OptionalLong inode = match(lines.get(i), local, remote);
                if (inode.isPresent()) {
                    return inode;
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * One line of /proc/net/tcp: {@code sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...}, with
     * addresses as hex in host byte order (per 32-bit word) and ports as big-endian hex.
     */
    static OptionalLong match(String line, InetSocketAddress local, InetSocketAddress remote) {
        String[] f = line.strip().split("\\s+");
        if (f.length < 10) {
            return OptionalLong.empty();
        }
        try {
            if (!sameEndpoint(f[1], local) || !sameEndpoint(f[2], remote)) {
                return OptionalLong.empty();
            }
            long inode = Long.parseLong(f[9]);
            // inode 0: a socket in TIME_WAIT that no process owns any more
            return inode == 0 ? OptionalLong.empty() : OptionalLong.of(inode);
        } catch (RuntimeException | UnknownHostException e) {
            return OptionalLong.empty();
        }
    }

    private static boolean sameEndpoint(String hex, InetSocketAddress want) throws UnknownHostException {
        int colon = hex.indexOf(':');
        if (Integer.parseInt(hex.substring(colon + 1), 16) != want.getPort()) {
            return false;
        }
        return decodeAddress(hex.substring(0, colon)).equals(want.getAddress());
    }

    /** Reverses each 32-bit word (host order on little-endian Linux); ::ffff:a.b.c.d comes back as IPv4. */
    static InetAddress decodeAddress(String hex) throws UnknownHostException {
        byte[] raw = HexFormat.of().parseHex(hex);
        byte[] out = new byte[raw.length];
        for (int w = 0; w < raw.length; w += 4) {
            for (int b = 0; b < 4; b++) {
                out[w + b] = raw[w + 3 - b];
            }
        }
        return InetAddress.getByAddress(out);
    }

    /** True when process {@code pid} has the socket {@code inode} open. */
    static boolean owns(long pid, long inode) {
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(target)) {
                        return true;
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // the fd was closed while we listed the directory
                } catch (IOException e) {
                    // unreadable fd entry: not ours to judge
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
