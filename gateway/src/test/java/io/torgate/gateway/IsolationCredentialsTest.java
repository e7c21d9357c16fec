package io.torgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class IsolationCredentialsTest {

    private final IsolationCredentials isolation = new IsolationCredentials(new byte[32]);

    private static RouteRequest parse(String username) throws RouteRequestException {
        return UsernameGrammar.parse(username);
    }

    @Test
    void sameUserAndSessionGetTheSameCredential() throws Exception {
        assertThat(isolation.forRequest(parse("alice-session-a")))
                .isEqualTo(isolation.forRequest(parse("alice-session-a")));
    }

    @Test
    void differentUsersSessionsAndExitsGetDifferentCredentials() throws Exception {
        String[] usernames = {"alice", "alice-session-a", "alice-session-b", "bob-session-a", "alice-country-de",
                "alice-exclude-de", "alice-country-de-mode-strict"};
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String username : usernames) {
            assertThat(seen.add(isolation.forRequest(parse(username)).username())).as(username).isTrue();
        }
    }

    @Test
    void rotateEachGetsAFreshCredentialEveryTime() throws Exception {
        RouteRequest rotating = parse("alice-rotate-each");
        assertThat(isolation.forRequest(rotating)).isNotEqualTo(isolation.forRequest(rotating));
    }

    @Test
    void credentialRevealsNothingAndDependsOnTheSecret() throws Exception {
        IsolationCredentials.Credential credential = isolation.forRequest(parse("alice-session-topsecret"));
        assertThat(credential.username()).matches("tg-[0-9a-f]{32}").doesNotContain("alice").doesNotContain("topsecret");
        byte[] other = new byte[32];
        other[0] = 1;
        assertThat(new IsolationCredentials(other).forRequest(parse("alice-session-topsecret")))
                .isNotEqualTo(credential);
    }

    @Test
    void shortSecretsAreRejected() {
        assertThatThrownBy(() -> new IsolationCredentials(new byte[8]))
                .hasMessage("isolation secret must be at least 16 bytes, got 8");
    }

    @Test
    void chainRouterRefusesExitSelectionItCannotHonour() throws Exception {
        Socks5ChainRouter router = new Socks5ChainRouter(new InetSocketAddress("127.0.0.1", 9050), isolation);
        ConnectRequest request = new ConnectRequest(parse("alice-country-de"),
                new Destination("example.org", 443, Destination.Kind.DOMAIN), null, ConnectRequest.Protocol.SOCKS5);
        assertThatThrownBy(() -> router.route(request).toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RoutingException.class)
                .hasMessageContaining("exit selection");
    }

    @Test
    void chainRouterSendsTheIsolationCredential() throws Exception {
        Socks5ChainRouter router = new Socks5ChainRouter(new InetSocketAddress("127.0.0.1", 9050), isolation);
        ConnectRequest request = new ConnectRequest(parse("alice-session-s1"),
                new Destination("example.org", 443, Destination.Kind.DOMAIN), null, ConnectRequest.Protocol.SOCKS5);
        Route route = router.route(request).toCompletableFuture().get();
        assertThat(route.socksProxy()).isEqualTo(new InetSocketAddress("127.0.0.1", 9050));
        assertThat(route.username()).isEqualTo(isolation.forRequest(parse("alice-session-s1")).username());
    }
}
