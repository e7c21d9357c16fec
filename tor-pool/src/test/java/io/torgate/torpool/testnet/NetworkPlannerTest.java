package io.torgate.torpool.testnet;

import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.torpool.process.TorBinary;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys and ports persist between runs; a port someone else took is replaced, keeping identities. */
class NetworkPlannerTest {

    @TempDir
    Path state;

    @Test
    void reusesKeysAndPortsAndReplacesAPortThatIsTaken() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            NetworkPlanner planner = new NetworkPlanner(state, new RelayKeys(TorBinary.locate()), pool);
            NetworkLayout first = planner.plan(0, 1, Optional.empty(), Set.of());
            first.save(state);
            assertThat(first.relays()).extracting(RelaySpec::nickname).containsExactly("auth0", "auth1", "auth2", "exit0");
            assertThat(first.relays()).allSatisfy(r -> assertThat(r.fingerprint()).matches("[0-9A-F]{40}"));
            assertThat(first.relays()).extracting(RelaySpec::address)
                    .containsExactly("127.10.0.1", "127.11.0.1", "127.12.0.1", "127.13.0.1");
            assertThat(first.authorities()).allSatisfy(a -> assertThat(a.v3ident()).matches("[0-9A-F]{40}"));

            NetworkLayout again = planner.plan(0, 1, NetworkLayout.load(state), Set.of());
            assertThat(again.relays()).isEqualTo(first.relays());

            RelaySpec auth0 = first.find("auth0").orElseThrow();
            try (ServerSocket squatter = new ServerSocket()) {
                squatter.bind(new InetSocketAddress(InetAddress.getByName(auth0.address()), auth0.dirPort()));
                NetworkLayout moved = planner.plan(0, 1, NetworkLayout.load(state), Set.of());
                RelaySpec newAuth0 = moved.find("auth0").orElseThrow();
                assertThat(newAuth0.dirPort()).isNotEqualTo(auth0.dirPort());
                assertThat(newAuth0.orPort()).isEqualTo(auth0.orPort());
                // same identities, and the certificate now names the new DirPort
                assertThat(newAuth0.fingerprint()).isEqualTo(auth0.fingerprint());
                assertThat(newAuth0.v3ident()).isEqualTo(auth0.v3ident());
                assertThat(Files.readString(ManagedRelay.dataDir(state, "auth0").resolve("keys/authority_certificate")))
                        .contains("dir-address " + auth0.address() + ":" + newAuth0.dirPort() + "\n");
                assertThat(RelayTorrcs.network(moved).values("DirAuthority"))
                        .anySatisfy(l -> assertThat(l).contains(auth0.address() + ":" + newAuth0.dirPort()));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
