package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.IsolationCredentials;
import io.torgate.gateway.Socks5ChainRouter;
import io.torgate.torpool.support.Socks5Client;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real tor accepts torgate's pipelined upstream handshake: greeting, username/password and CONNECT arrive at its
 * SocksPort in one segment, and it answers all three. Between torgate and the tor client sits a relay that reads
 * the whole handshake from torgate before it even connects to tor, then hands it to tor in a single write; a
 * gateway that waited for the greeting's reply would never get past that relay.
 */
@ExtendWith(TestNetworkExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelinedHandshakeTestnetTest {

    @TempDir
    static Path dir;

    private TestNetwork net;
    private TestTorClient tor;
    private HoldingRelay relay;
    private Gateway gateway;

    @BeforeAll
    void start(TestNetwork net) throws Exception {
        this.net = net;
        tor = TestTorClient.start(net, dir, Duration.ofSeconds(90));
        InetSocketAddress torSocks = new InetSocketAddress("127.0.0.1", tor.socksPort());
        relay = new HoldingRelay(torSocks);
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new Socks5ChainRouter(relay.address(), new IsolationCredentials(new byte[32])))
                .connectTimeout(Duration.ofSeconds(30))
                .build());
    }

    @AfterAll
    void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (tor != null) {
            long pid = tor.pid();
            tor.close();
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        }
    }

    @Test
    void torAnswersGreetingLoginAndConnectSentInOneWrite() throws Exception {
        int whoami = net.whoamiUrl().getPort();
        try (Socket s = Socks5Client.connect(gateway.address(), "127.0.0.1", whoami, "alice", "pw", 30_000)) {
            assertThat(Socks5Client.get(s, "/")).contains("fingerprint");
        }
        assertThat(relay.handshakes()).hasSize(1);
        byte[] handshake = relay.handshakes().get(0);
        assertThat(handshake[0]).as("SOCKS5 greeting first").isEqualTo((byte) 5);
        assertThat(handshake.length).as("greeting, login and CONNECT, all before any reply").isGreaterThan(3 + 3 + 10);
    }

    @Test
    void torsReplyCodeReachesTheClientUnchanged() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        InetSocketAddress torSocks = new InetSocketAddress("127.0.0.1", tor.socksPort());
        String straight = failureOf(torSocks, closed);
        assertThat(straight).as("tor's own answer for a refused connection").contains("reply code");
        assertThat(failureOf(gateway.address(), closed)).isEqualTo(straight);
    }

    /**
     * What tor itself answers to pipelined requests, straight on its SocksPort: without a login, the method reply
     * and the CONNECT reply; with one, tor 0.4.9 sends only the login's reply before the CONNECT reply when greeting
     * and login arrive together (PipelinedSocks5Handshake accepts both forms).
     */
    @Test
    void torAnswersPipelinedRequestsOnItsSocksPort() throws Exception {
        int whoami = net.whoamiUrl().getPort();
        byte[] connect = {5, 1, 0, 1, 127, 0, 0, 1, (byte) (whoami >> 8), (byte) whoami};
        String withoutLogin = HexFormat.of().formatHex(rawExchange(new byte[] {5, 1, 0}, connect, 12));
        assertThat(withoutLogin).as("method reply, then CONNECT succeeded").startsWith("0500" + "0500");
        String withLogin = HexFormat.of().formatHex(rawExchange(new byte[] {5, 1, 2, 1, 1, 'a', 1, 'b'}, connect, 12));
        assertThat(withLogin).as("(method reply,) login accepted, CONNECT succeeded")
                .matches("^(0502)?0100" + "0500.*");
    }

    /** Sends greeting (+ login) and CONNECT to tor in one write; returns the first {@code n} bytes it answers. */
    private byte[] rawExchange(byte[] greeting, byte[] connect, int n) throws IOException {
        try (Socket s = new Socket("127.0.0.1", tor.socksPort())) {
            s.setSoTimeout(30_000);
            ByteArrayOutputStream requests = new ByteArrayOutputStream();
            requests.write(greeting);
            requests.write(connect);
            s.getOutputStream().write(requests.toByteArray());
            return s.getInputStream().readNBytes(n);
        }
    }

    private static String failureOf(InetSocketAddress proxy, int port) {
        Throwable[] caught = new Throwable[1];
        assertThatThrownBy(() -> Socks5Client.connect(proxy, "127.0.0.1", port, "bob", "pw", 30_000).close())
                .satisfies(t -> caught[0] = t);
        return caught[0].getMessage();
    }

    /**
     * Accepts one connection at a time from the gateway, reads a complete SOCKS5 greeting, RFC 1929 login and
     * CONNECT from it without answering anything, then connects to tor, writes all of it at once and relays.
     */
    private static final class HoldingRelay implements AutoCloseable {
        private final InetSocketAddress tor;
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final List<byte[]> handshakes = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        HoldingRelay(InetSocketAddress tor) throws IOException {
            this.tor = tor;
            acceptor = new Thread(this::acceptLoop, "holding-relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        List<byte[]> handshakes() {
            return List.copyOf(handshakes);
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    open.add(client);
                    Thread t = new Thread(() -> serve(client), "holding-relay-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket client) {
            try (client; Socket upstream = new Socket()) {
                client.setSoTimeout(10_000); // a gateway that waits for a reply stalls here, and fails
                byte[] handshake = readHandshake(new DataInputStream(client.getInputStream()));
                client.setSoTimeout(0);
                handshakes.add(handshake);
                open.add(upstream);
                upstream.connect(tor, 10_000);
                upstream.getOutputStream().write(handshake);
                upstream.getOutputStream().flush();
                Thread down = new Thread(() -> pump(upstream, client), "holding-relay-down");
                down.setDaemon(true);
                down.start();
                pump(client, upstream);
                down.join(30_000);
            } catch (IOException | InterruptedException e) {
                // The gateway or tor went away; the test's assertions tell what happened.
            }
        }

        private static byte[] readHandshake(DataInputStream in) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(in.readUnsignedByte()); // version
            int methods = in.readUnsignedByte();
            all.write(methods);
            boolean login = false;
            for (int i = 0; i < methods; i++) {
                int m = in.readUnsignedByte();
                login |= m == 2;
                all.write(m);
            }
            if (login) {
                all.write(in.readUnsignedByte()); // subnegotiation version
                copy(in, all, in.readUnsignedByte(), true);
                copy(in, all, in.readUnsignedByte(), true);
            }
            copy(in, all, 3, false); // version, command, reserved
            int type = in.readUnsignedByte();
            all.write(type);
            switch (type) {
                case 1 -> copy(in, all, 4, false);
                case 4 -> copy(in, all, 16, false);
                case 3 -> copy(in, all, in.readUnsignedByte(), true);
                default -> throw new IOException("address type " + type);
            }
            copy(in, all, 2, false); // port
            return all.toByteArray();
        }

        private static void copy(DataInputStream in, ByteArrayOutputStream out, int n, boolean withLength)
                throws IOException {
            if (withLength) {
                out.write(n);
            }
            byte[] bytes = new byte[n];
            in.readFully(bytes);
            out.write(bytes);
        }

        private static void pump(Socket from, Socket to) {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // One side closed: the other pump ends too.
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
