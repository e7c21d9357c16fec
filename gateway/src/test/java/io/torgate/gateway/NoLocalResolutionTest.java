package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.testing.FakeSocks5Upstream;
import io.torgate.gateway.testing.RawHttp;
import io.torgate.gateway.testing.Socks5TestClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Through a SOCKS5 upstream (Tor), torgate never resolves a client's host name: the upstream receives ATYP
 * DOMAINNAME with the name exactly as the client sent it, plus an isolation credential instead of the client's
 * password. A fake upstream records what arrives on the wire.
 */
class NoLocalResolutionTest {

    private static final String UNRESOLVABLE = "never-resolve-me.invalid";
    private static final String CLIENT_PASSWORD = "client-secret-pw";

    private FakeSocks5Upstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeSocks5Upstream.replying(0);
        startGateway(upstream);
    }

    private void startGateway(FakeSocks5Upstream proxy) throws GatewayStartException {
        gateway = Gateway.start(GatewayConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .router(new Socks5ChainRouter(proxy.address(), new IsolationCredentials(new byte[32])))
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void socksDomainNameTravelsUpstreamUnresolved() throws Exception {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.login("alice-session-x1", CLIENT_PASSWORD);
            assertThat(client.connectDomain(UNRESOLVABLE, 443)).isZero();
            assertThat(GatewaySocks5Test.roundTrip(client.socket(), "ping")).isEqualTo("ping");
        }
        FakeSocks5Upstream.Request request = upstream.requests().get(0);
        assertThat(request.addressType()).as("ATYP DOMAINNAME").isEqualTo(3);
        assertThat(request.address()).isEqualTo(UNRESOLVABLE);
        assertThat(request.port()).isEqualTo(443);
        assertThat(request.username()).startsWith("tg-").doesNotContain(CLIENT_PASSWORD).doesNotContain("alice");
        assertThat(request.password()).doesNotContain(CLIENT_PASSWORD);
    }

    @Test
    void httpConnectDomainNameTravelsUpstreamUnresolved() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
            socket.setSoTimeout(10_000);
            RawHttp.send(socket, "CONNECT " + UNRESOLVABLE + ":8443 HTTP/1.1\r\nProxy-Authorization: "
                    + RawHttp.basic("alice", CLIENT_PASSWORD) + "\r\n\r\n");
            assertThat(RawHttp.read(socket).status()).isEqualTo(200);
            assertThat(GatewaySocks5Test.roundTrip(socket, "ping")).isEqualTo("ping");
        }
        FakeSocks5Upstream.Request request = upstream.requests().get(0);
        assertThat(request.addressType()).isEqualTo(3);
        assertThat(request.address()).isEqualTo(UNRESOLVABLE);
        assertThat(request.port()).isEqualTo(8443);
    }

    @Test
    void ipLiteralsTravelAsAddresses() throws Exception {
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.login("alice", "pw");
            assertThat(client.connectIp(InetAddress.getByName("192.0.2.7"), 80)).isZero();
        }
        try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
            client.login("alice", "pw");
            assertThat(client.connectIp(InetAddress.getByName("2001:db8::7"), 80)).isZero();
        }
        assertThat(upstream.requests()).extracting(FakeSocks5Upstream.Request::addressType).containsExactly(1, 4);
        assertThat(upstream.requests()).extracting(FakeSocks5Upstream.Request::address)
                .containsExactly("192.0.2.7", "2001:db8:0:0:0:0:0:7");
    }

    @Test
    void isolationCredentialSeparatesUsersAndSessions() throws Exception {
        for (String user : new String[] {"alice-session-a", "alice-session-a", "alice-session-b", "bob-session-a",
                "alice", "alice-rotate-each", "alice-rotate-each"}) {
            try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
                client.login(user, "pw");
                assertThat(client.connectDomain("example.org", 80)).isZero();
            }
        }
        var names = upstream.requests().stream().map(FakeSocks5Upstream.Request::username)
                .collect(Collectors.toList());
        assertThat(names.get(0)).isEqualTo(names.get(1));
        assertThat(names.subList(1, 7)).doesNotHaveDuplicates();
    }

    @Test
    void bytesTheUpstreamSendsWithItsReplyReachTheClient() throws Exception {
        try (FakeSocks5Upstream talker = FakeSocks5Upstream.withBanner(
                "220 banner sent with the reply\r\n".getBytes(StandardCharsets.US_ASCII))) {
            gateway.close();
            startGateway(talker);
            try (Socks5TestClient client = Socks5TestClient.connect(gateway.address())) {
                client.login("alice", "pw");
                assertThat(client.connectDomain("smtp.example.org", 25)).isZero();
                assertThat(new String(client.in().readNBytes(32), StandardCharsets.US_ASCII))
                        .isEqualTo("220 banner sent with the reply\r\n");
                assertThat(GatewaySocks5Test.roundTrip(client.socket(), "EHLO")).isEqualTo("EHLO");
            }
        }
    }
}
