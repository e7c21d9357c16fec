package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SocketOwnersTest {

    @Test
    void decodesProcNetAddressesInHostByteOrder() throws Exception {
        assertThat(SocketOwners.decodeAddress("0100007F")).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(SocketOwners.decodeAddress("1200007F")).isEqualTo(InetAddress.getByName("127.0.0.18"));
        // an IPv4-mapped IPv6 address from /proc/net/tcp6 comes back as the IPv4 address
        assertThat(SocketOwners.decodeAddress("0000000000000000FFFF00000100007F")).isEqualTo(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void matchesALineByBothEndpoints() {
        String line = "   1: 0100007F:AB27 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 114228 1 0";
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 0xAB27);
        InetSocketAddress remote = new InetSocketAddress("127.0.0.1", 0x1F90);
        assertThat(SocketOwners.match(line, local, remote)).hasValue(114228);
        assertThat(SocketOwners.match(line, remote, local)).isEmpty();
        assertThat(SocketOwners.match(line.replace("114228", "0"), local, remote)).as("TIME_WAIT, no owner").isEmpty();
    }

    @Test
    void findsThatThisJvmOwnsItsOwnClientSocket() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            assertThat(accepted.getPort()).isEqualTo(client.getLocalPort());
            OptionalLong inode = SocketOwners.inodeOf((InetSocketAddress) accepted.getRemoteSocketAddress(),
                    (InetSocketAddress) accepted.getLocalSocketAddress());
            assertThat(inode).isPresent();
            assertThat(SocketOwners.owns(ProcessHandle.current().pid(), inode.getAsLong())).isTrue();
            assertThat(SocketOwners.owns(ProcessHandle.current().parent().orElseThrow().pid(), inode.getAsLong())).isFalse();
        }
    }
}
