package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.gateway.testing.EchoServer;
import io.torgate.gateway.testing.Socks5TestClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * With no users configured, a client that sends a username/password (to carry routing options) is accepted
 * whatever the password, even when the authenticator itself would say no — as an empty, reloadable user set
 * does. Regression: such an authenticator once locked every client out of a no-users gateway.
 */
class NoUsersAcceptAnyPasswordTest {

    /** No users configured, and a password check that fails everything, like an empty user table. */
    private static final Authenticator EMPTY_USER_SET = new Authenticator() {
        @Override
        public boolean usersConfigured() {
            return false;
        }

        @Override
        public boolean authenticate(String user, String password) {
            return false;
        }
    };

    @Test
    void anyPasswordIsAcceptedWhenNoUsersAreConfigured() throws Exception {
        try (EchoServer echo = new EchoServer();
             Gateway gateway = Gateway.start(GatewayConfig.builder()
                     .listen(new InetSocketAddress("127.0.0.1", 0))
                     .router(new DirectRouter())
                     .authenticator(EMPTY_USER_SET)
                     .build());
             Socks5TestClient client = Socks5TestClient.connect(gateway.address()).login("alice-session-x1", "anything")) {
            assertThat(client.connectIp(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
        }
    }

    @Test
    void configuredUsersStillNeedTheirPassword() {
        Authenticator users = new Authenticator() {
            @Override
            public boolean usersConfigured() {
                return true;
            }

            @Override
            public boolean authenticate(String user, String password) {
                return "alice".equals(user) && "s3cret".equals(password);
            }
        };
        assertThat(users.accepts("alice", "s3cret")).isTrue();
        assertThat(users.accepts("alice", "wrong")).isFalse();
        assertThat(EMPTY_USER_SET.accepts("anyone", "")).isTrue();
    }
}
