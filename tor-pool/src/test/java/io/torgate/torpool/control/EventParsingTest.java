package io.torgate.torpool.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsers fed with event lines as tor 0.4.9 writes them (captured from real tors; fingerprints kept). */
class EventParsingTest {

    private static final String FP_A = "6B7A4C3E2C1F0E9D8C7B6A5948372615A4B3C2D1";
    private static final String FP_M = "0123456789ABCDEF0123456789ABCDEF01234567";
    private static final String FP_E = "89ABCDEF0123456789ABCDEF0123456789ABCDEF";

    @Test
    void keywordValuesMayBeQuotedWithSpacesAndEscapes() {
        ControlLine l = ControlLine.parse("NOTICE BOOTSTRAP PROGRESS=14 TAG=handshake SUMMARY=\"Handshaking with a relay\" "
                + "WARNING=\"say \\\"hi\\\"\\nnext\" EMPTY=\"\" RAW=a,b");
        assertThat(l.args()).containsExactly("NOTICE", "BOOTSTRAP");
        assertThat(l.keyword("SUMMARY")).contains("Handshaking with a relay");
        assertThat(l.keyword("WARNING")).contains("say \"hi\"\nnext");
        assertThat(l.keyword("EMPTY")).contains("");
        assertThat(l.keyword("RAW")).contains("a,b");
        assertThat(l.keyword("MISSING")).isEmpty();
    }

    @Test
    void octalEscapesAndAnUnterminatedQuoteAreReadNotThrown() {
        ControlLine l = ControlLine.parse("X A=\"\\101\\102\" B=\"never closed");
        assertThat(l.keyword("A")).contains("AB");
        assertThat(l.keyword("B")).contains("never closed");
    }

    @Test
    void launchedCircuitHasNoPath() {
        CircuitEvent c = CircuitEvent.parse("1 LAUNCHED BUILD_FLAGS=ONEHOP_TUNNEL,IS_INTERNAL,NEED_CAPACITY "
                + "PURPOSE=GENERAL TIME_CREATED=2026-11-23T02:15:44.948792");
        assertThat(c.id()).isEqualTo("1");
        assertThat(c.status()).isEqualTo(CircuitEvent.Status.LAUNCHED);
        assertThat(c.path()).isEmpty();
        assertThat(c.buildFlags()).containsExactlyInAnyOrder("ONEHOP_TUNNEL", "IS_INTERNAL", "NEED_CAPACITY");
        assertThat(c.purpose()).isEqualTo("GENERAL");
        assertThat(c.isGeneralExitCircuit()).isFalse();
        assertThat(c.lastHop()).isEmpty();
    }

    @Test
    void builtCircuitNamesItsExitAsTheLastHop() {
        CircuitEvent c = CircuitEvent.parse("375 BUILT $" + FP_A + "~a0,$" + FP_M + "~m1,$" + FP_E + "~e0 "
                + "BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL TIME_CREATED=2026-11-23T02:16:01.000001 "
                + "SOCKS_USERNAME=\"demo user\" SOCKS_PASSWORD=\"secret\"");
        assertThat(c.status()).isEqualTo(CircuitEvent.Status.BUILT);
        assertThat(c.path()).containsExactly(new Hop(FP_A, "a0"), new Hop(FP_M, "m1"), new Hop(FP_E, "e0"));
        assertThat(c.lastHop()).contains(new Hop(FP_E, "e0"));
        assertThat(c.socksUsername()).contains("demo user");
        assertThat(c.isGeneralExitCircuit()).isTrue();
        assertThat(c.toString()).doesNotContain("secret");
    }

    @Test
    void realConfluxAndUserCircuitsFromTheTestnet() {
        CircuitEvent conflux = CircuitEvent.parse("2 BUILT $CB6766E33B3229A3E851E3E88EBD3363CF8D88EF~auth2,"
                + "$E2C2B274CF7FCC04D8DA9BBE424A242F7420D1F8~middle0,$D8457E549FBB2F9B1B737297C1B4E187CFDB7280~exit2 "
                + "BUILD_FLAGS=NEED_CAPACITY,NEED_UPTIME PURPOSE=CONFLUX_UNLINKED TIME_CREATED=2026-11-23T02:30:43.006982 "
                + "CONFLUX_ID=A36F2B7A7DB74E44704BC1CF91BAB388");
        assertThat(conflux.isGeneralExitCircuit()).isTrue();
        assertThat(conflux.lastHop()).contains(new Hop("D8457E549FBB2F9B1B737297C1B4E187CFDB7280", "exit2"));
        assertThat(conflux.socksUsername()).isEmpty();

        CircuitEvent user = CircuitEvent.parse("9 BUILT $CB6766E33B3229A3E851E3E88EBD3363CF8D88EF~auth2,"
                + "$97B4EBA1E17C839DCEA1C69AF8240CB984A55B44~exit0,$2D9FE7F37295F8147186CC196BDA377170370E31~exit1 "
                + "BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL TIME_CREATED=2026-11-23T02:30:43.733256 "
                + "SOCKS_USERNAME=\"erin\" SOCKS_PASSWORD=\"pw\"");
        assertThat(user.socksUsername()).contains("erin");
        assertThat(user.lastHop().orElseThrow().nickname()).isEqualTo("exit1");
    }

    @Test
    void failedCircuitCarriesItsReasonAndOldStyleHopsParse() {
        CircuitEvent c = CircuitEvent.parse("2 FAILED $" + FP_A.toLowerCase() + "=a0 BUILD_FLAGS=NEED_CAPACITY "
                + "PURPOSE=GENERAL TIME_CREATED=2026-11-23T02:15:45.007564 REASON=CHANNEL_CLOSED");
        assertThat(c.status()).isEqualTo(CircuitEvent.Status.FAILED);
        assertThat(c.isTerminal()).isTrue();
        assertThat(c.reason()).contains("CHANNEL_CLOSED");
        assertThat(c.path()).containsExactly(new Hop(FP_A, "a0"));
        assertThat(c.isHealthFailure()).isTrue();
    }

    @Test
    void circuitsDiscardedOnPurposeAreNotHealthFailures() {
        assertThat(CircuitEvent.parse("12 FAILED $" + FP_A + "~a0 PURPOSE=GENERAL REASON=FINISHED").isHealthFailure())
                .as("a NEWNYM drops circuits still being built").isFalse();
        assertThat(CircuitEvent.parse("13 FAILED PURPOSE=GENERAL REASON=REQUESTED").isHealthFailure()).isFalse();
        assertThat(CircuitEvent.parse("14 FAILED PURPOSE=CONFLUX_UNLINKED REASON=NOPATH").isHealthFailure()).isTrue();
        assertThat(CircuitEvent.parse("15 FAILED PURPOSE=GENERAL").isHealthFailure()).as("no reason given").isTrue();
        assertThat(CircuitEvent.parse("16 CLOSED PURPOSE=GENERAL REASON=DESTROYED").isHealthFailure())
                .as("closed after being built is not a build failure").isFalse();
        CircuitEvent remote = CircuitEvent.parse("17 FAILED $" + FP_A + "~a0 PURPOSE=GENERAL REASON=DESTROYED"
                + " REMOTE_REASON=CHANNEL_CLOSED");
        assertThat(remote.remoteReason()).contains("CHANNEL_CLOSED");
        assertThat(remote.isHealthFailure()).as("counted as a failed circuit").isTrue();
        assertThat(remote.blamesThisTor()).as("a relay further on failed, not this tor").isFalse();
        assertThat(CircuitEvent.parse("18 FAILED $" + FP_A + "~a0 PURPOSE=GENERAL REASON=TIMEOUT").blamesThisTor())
                .isTrue();
    }

    @Test
    void unknownCircuitStatusAndNicknameOnlyPathsAreTolerated() {
        CircuitEvent c = CircuitEvent.parse("9 SOMETHING_NEW nickA,nickB PURPOSE=HS_CLIENT_REND");
        assertThat(c.status()).isEqualTo(CircuitEvent.Status.UNKNOWN);
        assertThat(c.path()).containsExactly(new Hop("", "nickA"), new Hop("", "nickB"));
        assertThat(c.isGeneralExitCircuit()).isFalse();
    }

    @Test
    void aLineWithoutIdAndStatusIsRejectedWithTheLine() {
        assertThatThrownBy(() -> CircuitEvent.parse("42"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'42'");
    }

    @Test
    void dirFetchStreamHasNoSourceAddress() {
        StreamEvent s = StreamEvent.parse("5 NEW 0 57.131.31.124.$9825D849919114B8E9005C5D093B95F912511A88.exit:9100 "
                + "PURPOSE=DIR_FETCH CLIENT_PROTOCOL=UNKNOWN NYM_EPOCH=0 SESSION_GROUP=-2 ISO_FIELDS=SESSION_GROUP");
        assertThat(s.id()).isEqualTo("5");
        assertThat(s.status()).isEqualTo(StreamEvent.Status.NEW);
        assertThat(s.isAttached()).isFalse();
        assertThat(s.sourcePort()).isEmpty();
        assertThat(s.purpose()).isEqualTo("DIR_FETCH");
    }

    @Test
    void userStreamCarriesSourcePortCircuitAndUsernameButKeepsTargetOutOfToString() {
        StreamEvent s = StreamEvent.parse("12 SUCCEEDED 7 127.0.0.1:18080 SOURCE_ADDR=127.0.0.1:45678 PURPOSE=USER "
                + "SOCKS_USERNAME=\"u1\" SOCKS_PASSWORD=\"pw\" CLIENT_PROTOCOL=SOCKS5 NYM_EPOCH=0 SESSION_GROUP=-3 "
                + "ISO_FIELDS=SOCKS_USERNAME,SOCKS_PASSWORD,CLIENTADDR,SESSION_GROUP,NYM_EPOCH");
        assertThat(s.status()).isEqualTo(StreamEvent.Status.SUCCEEDED);
        assertThat(s.circuitId()).isEqualTo("7");
        assertThat(s.isAttached()).isTrue();
        assertThat(s.target()).isEqualTo("127.0.0.1:18080");
        assertThat(s.sourcePort()).hasValue(45678);
        assertThat(s.socksUsername()).contains("u1");
        assertThat(s.toString()).doesNotContain("18080").doesNotContain("pw");
    }

    @Test
    void failedStreamKeepsItsReason() {
        StreamEvent s = StreamEvent.parse("8 FAILED 0 62.72.47.105.$D4C4D01625AF1473A8AEABB28CDE7EC8D553C428.exit:8430 "
                + "REASON=TIMEOUT CLIENT_PROTOCOL=UNKNOWN NYM_EPOCH=0 SESSION_GROUP=-2 ISO_FIELDS=SESSION_GROUP");
        assertThat(s.status()).isEqualTo(StreamEvent.Status.FAILED);
        assertThat(s.reason()).contains("TIMEOUT");
    }

    @Test
    void bootstrapFromGetinfoAndFromEvents() {
        assertThat(BootstrapStatus.parse("NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY=\"Starting\""))
                .contains(new BootstrapStatus(0, "starting", "Starting", java.util.Optional.empty()));
        BootstrapStatus done = BootstrapStatus.parse("NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"").orElseThrow();
        assertThat(done.isDone()).isTrue();
        BootstrapStatus warn = BootstrapStatus.parse("WARN BOOTSTRAP PROGRESS=14 TAG=handshake SUMMARY=\"Handshaking with a relay\" "
                + "WARNING=\"DONE\" REASON=DONE COUNT=1 RECOMMENDATION=ignore HOSTID=\"9825D849919114B8E9005C5D093B95F912511A88\" "
                + "HOSTADDR=\"57.131.31.124:9100\"").orElseThrow();
        assertThat(warn.progress()).isEqualTo(14);
        assertThat(warn.warning()).contains("DONE");
    }

    @Test
    void otherClientStatusesAndBadProgressAreNotBootstrap() {
        assertThat(BootstrapStatus.parse("NOTICE CIRCUIT_ESTABLISHED")).isEmpty();
        assertThat(BootstrapStatus.parse("NOTICE BOOTSTRAP PROGRESS=abc TAG=x")).isEmpty();
        assertThat(BootstrapStatus.parse("NOTICE BOOTSTRAP PROGRESS=101 TAG=x")).isEmpty();
    }

    @Test
    void networkStatusDecodesIdentitiesFlagsAndBandwidth() {
        // Same layout as GETINFO ns/all; identities are unpadded base64 of the 20-byte fingerprint.
        String doc = """
                r a0 AAECAwQFBgcICQoLDA0ODxAREhM 7h3dJkQx3bWoCjdR7I+B2s4XHGk 2026-11-23 02:15:40 127.0.0.10 5000 0
                s Authority Exit Fast Guard HSDir Running Stable V2Dir Valid
                w Bandwidth=20
                r m1 //////////////////////////8 ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk 2026-11-23 02:15:41 127.0.0.11 5001 0
                s Fast Running Valid
                r broken-line-is-skipped
                r short AAEC ZGlnZXN0 2026-11-23 02:15:41 127.0.0.12 5002 0
                """;
        List<RouterStatus> relays = RouterStatus.parseAll(doc);
        assertThat(relays).hasSize(2);
        RouterStatus a0 = relays.get(0);
        assertThat(a0.nickname()).isEqualTo("a0");
        assertThat(a0.fingerprint()).isEqualTo("000102030405060708090A0B0C0D0E0F10111213");
        assertThat(a0.address()).isEqualTo("127.0.0.10");
        assertThat(a0.orPort()).isEqualTo(5000);
        assertThat(a0.isExit()).isTrue();
        assertThat(a0.bandwidth()).hasValue(20);
        RouterStatus m1 = relays.get(1);
        assertThat(m1.fingerprint()).isEqualTo("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
        assertThat(m1.isExit()).isFalse();
        assertThat(m1.bandwidth()).isEmpty();
    }

    @Test
    void controlPortFileAndListenerAddressesAreReadWithoutDns() {
        assertThat(TorControl.parseHostPort("127.0.0.1:34127")).hasValueSatisfying(a -> {
            assertThat(a.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(a.getPort()).isEqualTo(34127);
        });
        assertThat(TorControl.parseHostPort("[::1]:9050")).hasValueSatisfying(a -> assertThat(a.getPort()).isEqualTo(9050));
        assertThat(TorControl.parseHostPort("cafe:9050")).isEmpty();
        assertThat(TorControl.parseHostPort("localhost:9050")).isEmpty();
        assertThat(TorControl.parseHostPort("127.0.0.1:notaport")).isEmpty();
    }
}
