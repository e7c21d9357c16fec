package io.torgate.torpool.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class StreamTrackerTest {

    private static final String EXIT_1 = "89ABCDEF0123456789ABCDEF0123456789ABCDEF";
    private static final String EXIT_2 = "1111111111111111111111111111111111111111";

    private long now = 5_000;
    private final CircuitTracker circuits = new CircuitTracker();
    private final StreamTracker streams = new StreamTracker(circuits, () -> now);

    private void circ(String line) {
        circuits.onCircuit(CircuitEvent.parse(line));
    }

    private void stream(String line) {
        streams.onStream(StreamEvent.parse(line));
    }

    private static String built(String id, String exitFp, String exitNick) {
        return id + " BUILT $0123456789ABCDEF0123456789ABCDEF01234567~g0,$" + exitFp + "~" + exitNick
                + " BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL SOCKS_USERNAME=\"u\"";
    }

    @Test
    void aWaiterRegisteredBeforeTheEventsGetsTheExitOnSucceeded() throws Exception {
        circ(built("7", EXIT_1, "e1"));
        CompletableFuture<StreamExit> f = streams.exitFor(45678);
        stream("12 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:45678 PURPOSE=USER");
        stream("12 SENTCONNECT 7 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:45678 PURPOSE=USER");
        assertThat(f).isNotDone();
        stream("12 SUCCEEDED 7 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:45678 PURPOSE=USER SOCKS_USERNAME=\"u\"");
        StreamExit exit = f.get();
        assertThat(exit.circuitId()).isEqualTo("7");
        assertThat(exit.exit()).hasValueSatisfying(h -> assertThat(h.fingerprint()).isEqualTo(EXIT_1));
        assertThat(exit.socksUsername()).contains("u");
    }

    @Test
    void onlyTheNewEventNamesTheSourceLaterOnesAreTiedByStreamId() throws Exception {
        // Real tor 0.4.9 lines: SOURCE_ADDR appears on NEW only.
        circ("1 BUILT $0123456789ABCDEF0123456789ABCDEF01234567~m0,$" + EXIT_1 + "~exit0 BUILD_FLAGS=NEED_CAPACITY "
                + "PURPOSE=GENERAL TIME_CREATED=2026-11-23T02:29:28.100000 SOCKS_USERNAME=\"after-restart\" SOCKS_PASSWORD=\"pw\"");
        CompletableFuture<StreamExit> f = streams.exitFor(47898);
        String iso = " SOCKS_USERNAME=\"after-restart\" SOCKS_PASSWORD=\"pw\" CLIENT_PROTOCOL=SOCKS5 NYM_EPOCH=0 "
                + "SESSION_GROUP=-4 ISO_FIELDS=SOCKS_USERNAME,SOCKS_PASSWORD,CLIENTADDR,SESSION_GROUP,NYM_EPOCH";
        stream("6 NEW 0 127.0.0.1:39719 SOURCE_ADDR=127.0.0.1:47898 PURPOSE=USER" + iso);
        stream("6 SENTCONNECT 1 127.0.0.1:39719" + iso);
        stream("6 REMAP 1 127.0.0.1:39719 SOURCE=EXIT" + iso);
        stream("6 SUCCEEDED 1 127.0.0.1:39719" + iso);
        StreamExit exit = f.get(1, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(exit.streamId()).isEqualTo("6");
        assertThat(exit.exit().orElseThrow().nickname()).isEqualTo("exit0");
        assertThat(exit.socksUsername()).contains("after-restart");
        stream("6 CLOSED 1 127.0.0.1:39719 REASON=END REMOTE_REASON=DONE" + iso);
        assertThat(streams.openStreams()).isZero();
    }

    @Test
    void aQuestionAfterTheStreamClosedIsStillAnswered() throws Exception {
        circ(built("7", EXIT_1, "e1"));
        stream("12 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40000 PURPOSE=USER");
        stream("12 SUCCEEDED 7 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40000 PURPOSE=USER");
        stream("12 CLOSED 7 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40000 REASON=DONE");
        circ("7 CLOSED $0123456789ABCDEF0123456789ABCDEF01234567~g0,$" + EXIT_1 + "~e1 REASON=FINISHED");
        assertThat(streams.openStreams()).isZero();
        assertThat(streams.exitFor(40000).get().exit().orElseThrow().nickname()).isEqualTo("e1");
    }

    @Test
    void aStreamThatFailsBeforeSucceedingFailsItsWaiterWithTheReason() {
        CompletableFuture<StreamExit> f = streams.exitFor(40001);
        stream("13 NEW 0 10.9.9.9:80 SOURCE_ADDR=127.0.0.1:40001 PURPOSE=USER");
        stream("13 FAILED 0 10.9.9.9:80 SOURCE_ADDR=127.0.0.1:40001 REASON=EXITPOLICY");
        Assertions.assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(StreamFailedException.class).hasMessageContaining("EXITPOLICY");
    }

    @Test
    void aReusedPortDoesNotAnswerWithTheOlderStreamWhenNotBeforeIsGiven() throws Exception {
        circ(built("7", EXIT_1, "e1"));
        circ(built("9", EXIT_2, "e2"));
        stream("12 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40002");
        stream("12 SUCCEEDED 7 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40002");
        stream("12 CLOSED 7 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40002 REASON=DONE");

        now = 9_000;
        long connectedAt = 8_000;
        CompletableFuture<StreamExit> f = streams.exitFor(40002, connectedAt);
        assertThat(f).as("the closed stream predates our connection").isNotDone();
        stream("20 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40002");
        stream("20 SUCCEEDED 9 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40002");
        assertThat(f.get().exit().orElseThrow().fingerprint()).isEqualTo(EXIT_2);
    }

    @Test
    void aCircuitKnownOnlyFromTheSnapshotStillNamesTheExit() throws Exception {
        circuits.seed(java.util.List.of(CircuitEvent.parse(built("3", EXIT_2, "e2"))));
        stream("30 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40003");
        stream("30 SUCCEEDED 3 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40003");
        assertThat(streams.exitFor(40003).get().exit().orElseThrow().nickname()).isEqualTo("e2");
    }

    @Test
    void seedingDoesNotOverwriteNewerEventState() {
        circ(built("4", EXIT_1, "e1"));
        circ("4 CLOSED $" + EXIT_1 + "~e1 REASON=FINISHED");
        circuits.seed(java.util.List.of(CircuitEvent.parse(built("4", EXIT_1, "e1"))));
        assertThat(circuits.circuit("4").orElseThrow().status()).isEqualTo(CircuitEvent.Status.CLOSED);
        assertThat(circuits.built()).isEmpty();
    }

    @Test
    void aPartialExtendedEventDoesNotShortenAKnownPath() {
        circ(built("5", EXIT_1, "e1"));
        circ("5 EXTENDED $0123456789ABCDEF0123456789ABCDEF01234567~g0 PURPOSE=GENERAL");
        assertThat(circuits.circuit("5").orElseThrow().path()).hasSize(2);
    }

    @Test
    void resetFailsWaitersAndATimedOutWaiterLeavesNothingBehind() {
        CompletableFuture<StreamExit> f = streams.exitFor(40004);
        streams.reset("tor restarted");
        assertThat(f).isCompletedExceptionally();
        CompletableFuture<StreamExit> g = streams.exitFor(40005);
        g.completeExceptionally(new java.util.concurrent.TimeoutException());
        // A late stream on that port must not be kept waiting for: nothing to complete, nothing to throw.
        stream("40 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40005");
        stream("40 SUCCEEDED 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40005");
        assertThat(g).isCompletedExceptionally();
    }

    @Test
    void streamsWithoutSourceAddressAreIgnored() {
        stream("5 NEW 0 57.131.31.124.$9825D849919114B8E9005C5D093B95F912511A88.exit:9100 PURPOSE=DIR_FETCH");
        assertThat(streams.openStreams()).isZero();
    }

    /** Real tor 0.4.9 lines of a name the exit could not resolve: tor retries it twice, then gives up. */
    private static final String BAD = " bad2-6981.invalid:80";
    private static final String ISO = " SOCKS_USERNAME=\"tg-5fe-g0\" SOCKS_PASSWORD=\"torgate\" CLIENT_PROTOCOL=SOCKS5"
            + " NYM_EPOCH=0 SESSION_GROUP=-4 ISO_FIELDS=SOCKS_USERNAME,SOCKS_PASSWORD,CLIENTADDR,SESSION_GROUP,NYM_EPOCH";

    @Test
    void theFirstResolveFailureAnExitReportsAnswersWhileTorStillRetries() throws Exception {
        CompletableFuture<java.util.Optional<String>> end = streams.remoteEndFor(60880, 0);
        CompletableFuture<StreamExit> exit = streams.exitFor(60880, 0);
        stream("89 NEW 0" + BAD + " SOURCE_ADDR=127.0.0.1:60880 PURPOSE=USER" + ISO);
        stream("89 SENTCONNECT 22" + BAD + ISO);
        assertThat(end).isNotDone();
        stream("89 DETACHED 22" + BAD + " REASON=END REMOTE_REASON=RESOLVEFAILED" + ISO);
        assertThat(end.get(1, java.util.concurrent.TimeUnit.SECONDS)).contains("RESOLVEFAILED");
        assertThat(exit).as("tor has not given up yet").isNotDone();
        stream("89 SENTCONNECT 31" + BAD + ISO);
        stream("89 FAILED 30" + BAD + " REASON=END REMOTE_REASON=RESOLVEFAILED" + ISO);
        assertThat(exit).isCompletedExceptionally();
        stream("89 CLOSED 30" + BAD + " REASON=END REMOTE_REASON=RESOLVEFAILED" + ISO);
        // Asked afterwards, the answer is the first reason the stream got.
        assertThat(streams.remoteEndFor(60880, 0).get()).contains("RESOLVEFAILED");
    }

    @Test
    void aStreamThatSucceedsOrEndsWithoutAnExitsReasonAnswersEmpty() throws Exception {
        CompletableFuture<java.util.Optional<String>> ok = streams.remoteEndFor(40010, 0);
        stream("50 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40010 PURPOSE=USER");
        stream("50 DETACHED 3 127.0.0.1:80 REASON=TIMEOUT");
        assertThat(ok).as("a local timeout is tor's, not the exit's").isNotDone();
        stream("50 SUCCEEDED 4 127.0.0.1:80");
        assertThat(ok.get()).isEmpty();

        CompletableFuture<java.util.Optional<String>> failed = streams.remoteEndFor(40011, 0);
        stream("51 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40011 PURPOSE=USER");
        stream("51 FAILED 0 127.0.0.1:80 REASON=TIMEOUT");
        assertThat(failed.get()).isEmpty();
    }

    @Test
    void aCancelledEndWaiterIsDroppedAndAnOlderStreamOnThePortDoesNotAnswer() {
        stream("60 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40012 PURPOSE=USER");
        stream("60 FAILED 0 127.0.0.1:80 REASON=END REMOTE_REASON=RESOLVEFAILED");
        stream("60 CLOSED 0 127.0.0.1:80 REASON=END REMOTE_REASON=RESOLVEFAILED");
        now = 9_000;
        CompletableFuture<java.util.Optional<String>> later = streams.remoteEndFor(40012, 8_000);
        assertThat(later).as("the old stream predates the question").isNotDone();
        later.cancel(false);
        stream("61 NEW 0 127.0.0.1:80 SOURCE_ADDR=127.0.0.1:40012 PURPOSE=USER");
        stream("61 DETACHED 0 127.0.0.1:80 REASON=END REMOTE_REASON=RESOLVEFAILED");
        assertThat(later).isCancelled();
    }

    @Test
    void resetFailsEndWaitersToo() {
        CompletableFuture<java.util.Optional<String>> end = streams.remoteEndFor(40013, 0);
        streams.reset("tor restarted");
        assertThat(end).isCompletedExceptionally();
    }
}
