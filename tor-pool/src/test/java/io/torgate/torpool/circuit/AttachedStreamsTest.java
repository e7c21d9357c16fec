package io.torgate.torpool.circuit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The record of which circuit each stream went down, by the stream's source port, without tor. */
class AttachedStreamsTest {

    @Test
    void aWaiterHearsTheAttachmentOfItsPortMadeAfterItsRouteAndNotAnOlderOne() {
        AttachedStreams a = new AttachedStreams();
        a.attached("1", OptionalInt.of(40000), "7", 100);
        CompletableFuture<AttachedStreams.Attached> old = a.attachedFrom(40000, 50);
        assertThat(old).as("attached after the route began").isCompletedWithValueMatching(x -> x.circuitId().equals("7"));

        CompletableFuture<AttachedStreams.Attached> next = a.attachedFrom(40000, 200);
        assertThat(next).as("the port's earlier stream is not this connection's").isNotDone();
        a.attached("2", OptionalInt.of(40001), "8", 250);
        assertThat(next).as("another port").isNotDone();
        a.attached("3", OptionalInt.of(40000), "9", 300);
        assertThat(next).isCompletedWithValueMatching(x -> x.streamId().equals("3") && x.circuitId().equals("9"));
    }

    @Test
    void aReattachedStreamKeepsItsPortAndAnEndedOneIsForgotten() {
        AttachedStreams a = new AttachedStreams();
        a.attached("5", OptionalInt.of(41000), "10", 100);
        // DETACHED events carry no SOURCE_ADDR: the stream's first port stands.
        a.attached("5", OptionalInt.empty(), "11", 200);
        assertThat(a.attachedFrom(41000, 0)).isCompletedWithValueMatching(x -> x.circuitId().equals("11"));
        a.attached("6", OptionalInt.empty(), "12", 300);
        assertThat(a.size()).as("a stream of no local client is not kept").isEqualTo(1);
        a.ended("5");
        assertThat(a.size()).isZero();
        assertThat(a.attachedFrom(41000, 0)).isNotDone();
    }

    @Test
    void aCancelledWaiterIsDropped() {
        AttachedStreams a = new AttachedStreams();
        CompletableFuture<AttachedStreams.Attached> f = a.attachedFrom(42000, 0);
        f.cancel(false);
        a.attached("1", OptionalInt.of(42000), "3", 10);
        assertThat(f).isCancelled();
        assertThat(a.attachedFrom(42000, 0)).isCompleted();
    }

    @Test
    void aStreamTorgateClosedInsteadOfAttachingIsHeardByItsConnectionOnly() {
        AttachedStreams a = new AttachedStreams();
        CompletableFuture<AttachedStreams.Refused> mine = a.refusedFrom(43000, 100);
        CompletableFuture<AttachedStreams.Refused> older = a.refusedFrom(43001, 500);
        a.refused("9", OptionalInt.of(43000), "no circuit through exit7 after 3 attempt(s)", 200);
        a.refused("10", OptionalInt.of(43001), "too early", 300);
        assertThat(mine).isCompletedWithValueMatching(r -> r.why().startsWith("no circuit through exit7"));
        assertThat(older).as("a refusal before this connection was routed is not its own").isNotDone();
        a.ended("9");
        assertThat(a.refusedFrom(43000, 0)).as("forgotten with its stream").isNotDone();
    }
}
