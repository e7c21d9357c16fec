package io.torgate.torpool.instance;

import static io.torgate.torpool.instance.InstanceState.BOOTSTRAPPING;
import static io.torgate.torpool.instance.InstanceState.DEGRADED;
import static io.torgate.torpool.instance.InstanceState.FAILED;
import static io.torgate.torpool.instance.InstanceState.RESTARTING;
import static io.torgate.torpool.instance.InstanceState.STARTING;
import static io.torgate.torpool.instance.InstanceState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.torgate.torpool.process.Torrc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervision against real tor processes kept off the network ({@code DisableNetwork 1}): they start,
 * connect and bootstrap to 0% but never further, which is exactly a stalled bootstrap.
 */
class TorInstanceOfflineTest {

    @TempDir
    Path dir;

    private final List<TorInstance> instances = new ArrayList<>();
    private final List<Long> pids = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        instances.forEach(TorInstance::close);
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private TorInstance instance(TorInstanceConfig.Builder b, StateRecorder recorder) {
        TorInstance i = TorInstance.create(b.build());
        i.addListener(recorder);
        // Remember every PID ever seen so cleanup and assertions can reach them.
        i.addListener((inst, from, to, why) -> inst.pid().ifPresent(p -> {
            synchronized (pids) {
                if (!pids.contains(p)) {
                    pids.add(p);
                }
            }
        }));
        instances.add(i);
        return i;
    }

    private TorInstanceConfig.Builder offline(String name) {
        return TorInstanceConfig.builder(name, dir)
                .extraTorrc(new Torrc().set("DisableNetwork", 1))
                .restartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .stopGrace(Duration.ofSeconds(5));
    }

    @Test
    void aMissingTorBinaryFailsAtOnceWithTheInstallHint() {
        StateRecorder rec = new StateRecorder();
        TorInstance i = instance(offline("missing").torPath(java.util.Optional.of(dir.resolve("no-such-tor"))), rec);
        CompletableFuture<Void> started = i.start();
        assertThatThrownBy(() -> started.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TorInstanceException.class)
                .hasMessageContaining("no-such-tor")
                .hasMessageContaining("apt-get install tor");
        assertThat(rec.states()).containsExactly(STARTING, FAILED);
        assertThat(i.state()).isEqualTo(FAILED);
        assertThat(i.pid()).isEmpty();
    }

    @Test
    void anOptionTorRejectsFailsAtOnceWithTorsWordsAndIsNotRetried() {
        StateRecorder rec = new StateRecorder();
        TorInstance i = instance(offline("badopt").extraTorrc(new Torrc().set("NoSuchOption", 1)), rec);
        assertThatThrownBy(() -> i.start().get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TorInstanceException.class)
                .hasMessageContaining("NoSuchOption");
        assertThat(rec.states()).containsExactly(STARTING, FAILED);
        assertThat(i.restartCount()).isZero();
    }

    @Test
    void aKilledTorIsRestartedWithANewPidAndStopLeavesNoProcess() throws Exception {
        StateRecorder rec = new StateRecorder();
        TorInstance i = instance(offline("crash").bootstrapDeadline(Duration.ofMinutes(5)), rec);
        i.start();
        rec.await(BOOTSTRAPPING, Duration.ofSeconds(30));
        long firstPid = i.pid().orElseThrow();
        assertThat(Files.getPosixFilePermissions(i.dataDirectory())).isEqualTo(PosixFilePermissions.fromString("rwx------"));

        int mark = rec.mark();
        ProcessHandle.of(firstPid).orElseThrow().destroyForcibly(); // SIGKILL, as a crash
        StateRecorder.Transition restarting = rec.awaitAfter(mark, RESTARTING, Duration.ofSeconds(15));
        assertThat(restarting.reason()).containsAnyOf("tor exited with code", "control connection lost");
        rec.awaitAfter(mark, BOOTSTRAPPING, Duration.ofSeconds(30));
        long secondPid = i.pid().orElseThrow();
        assertThat(secondPid).isNotEqualTo(firstPid);
        assertThat(ProcessHandle.of(firstPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(i.restartCount()).isEqualTo(1);

        i.stop().get(30, TimeUnit.SECONDS);
        assertThat(i.state()).isEqualTo(STOPPED);
        assertThat(ProcessHandle.of(secondPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(i.pid()).isEmpty();
        assertThat(i.control()).isEmpty();
    }

    @Test
    void aStalledBootstrapDegradesThenRestartsThenFailsWhenRestartsAreSpent() throws Exception {
        StateRecorder rec = new StateRecorder();
        TorInstance i = instance(offline("stall")
                .bootstrapDeadline(Duration.ofSeconds(1))
                .degradedGrace(Duration.ofSeconds(1))
                .restartLimit(1, Duration.ofMinutes(5)), rec);
        CompletableFuture<Void> started = i.start();
        rec.await(FAILED, Duration.ofSeconds(60));
        assertThat(rec.states()).containsExactly(STARTING, BOOTSTRAPPING, DEGRADED, RESTARTING,
                STARTING, BOOTSTRAPPING, DEGRADED, FAILED);
        List<StateRecorder.Transition> all = rec.all();
        assertThat(all.get(2).reason()).contains("bootstrap stalled at 0%").contains("NEWNYM");
        assertThat(all.get(3).reason()).contains("no recovery within 1000 ms");
        assertThat(all.get(7).reason()).contains("gave up after 1 restarts");
        assertThatThrownBy(() -> started.get(1, TimeUnit.SECONDS)).hasMessageContaining("gave up");
        synchronized (pids) {
            assertThat(pids).hasSize(2);
            for (long pid : pids) {
                Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty());
            }
        }
    }

    @Test
    void closingTheOwningControlConnectionMakesTorExitAndTheInstanceRecover() throws Exception {
        StateRecorder rec = new StateRecorder();
        TorInstance i = instance(offline("owner").bootstrapDeadline(Duration.ofMinutes(5)), rec);
        i.start();
        rec.await(BOOTSTRAPPING, Duration.ofSeconds(30));
        long firstPid = i.pid().orElseThrow();
        int mark = rec.mark();
        // Someone closes the control connection behind the supervisor's back: TAKEOWNERSHIP makes tor exit.
        i.control().orElseThrow().close();
        Awaitility.await().atMost(Duration.ofSeconds(15))
                .until(() -> ProcessHandle.of(firstPid).filter(ProcessHandle::isAlive).isEmpty());
        rec.awaitAfter(mark, RESTARTING, Duration.ofSeconds(15));
        rec.awaitAfter(mark, BOOTSTRAPPING, Duration.ofSeconds(30));
        assertThat(i.pid().orElseThrow()).isNotEqualTo(firstPid);
    }

    @Test
    void startIsIdempotentAndAStoppedInstanceCanStartAgain() throws Exception {
        StateRecorder rec = new StateRecorder();
        TorInstance i = instance(offline("again").bootstrapDeadline(Duration.ofMinutes(5)), rec);
        CompletableFuture<Void> a = i.start();
        CompletableFuture<Void> b = i.start();
        rec.await(BOOTSTRAPPING, Duration.ofSeconds(30));
        assertThat(rec.states()).containsExactly(STARTING, BOOTSTRAPPING);
        i.stop().get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> a.get(1, TimeUnit.SECONDS)).hasMessageContaining("stopped before it was ready");
        assertThat(b).isCompletedExceptionally();
        int mark = rec.mark();
        i.start();
        rec.awaitAfter(mark, BOOTSTRAPPING, Duration.ofSeconds(30));
        assertThat(i.pid()).isPresent();
    }
}
