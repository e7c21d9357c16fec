package io.torgate.torpool.instance;

import static io.torgate.torpool.instance.InstanceState.DEGRADED;
import static io.torgate.torpool.instance.InstanceState.READY;
import static io.torgate.torpool.instance.InstanceState.RESTARTING;
import static io.torgate.torpool.instance.InstanceState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

import io.torgate.torpool.control.StreamExit;
import io.torgate.torpool.support.Socks5Client;
import io.torgate.torpool.testnet.TestNetwork;
import io.torgate.torpool.testnet.TestNetworkExtension;
import io.torgate.torpool.testnet.TestRelay;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Supervised client tors on the private loopback Tor network. */
@ExtendWith(TestNetworkExtension.class)
class TorInstanceTestnetTest {

    private static final Logger log = LoggerFactory.getLogger(TorInstanceTestnetTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_BUDGET = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private TorInstance instance;

    @AfterEach
    void stop() {
        if (instance != null) {
            instance.close();
        }
    }

    private TorInstance create(TestNetwork net, String name, StateRecorder recorder) {
        TorInstance i = TorInstance.create(TorInstanceConfig.builder(name, dir)
                .extraTorrc(net.clientTorrc())
                .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
                .build());
        i.addListener(recorder);
        return i;
    }

    /**
     * Fetches the network's whoami page through the instance as {@code user}; returns the exit whoami saw
     * (found from the owner of the connecting socket), the exit the tracker names, and the circuit id.
     */
    private static String[] fetch(TorInstance i, TestNetwork net, String user) throws Exception {
        long before = System.nanoTime();
        InetSocketAddress socks = i.socksAddress().orElseThrow();
        try (Socket s = Socks5Client.connect(socks, "127.0.0.1", net.whoamiUrl().getPort(), user, "pw", 30_000)) {
            int localPort = s.getLocalPort();
            String seen = JSON.readTree(Socks5Client.get(s, "/")).path("fingerprint").asText("none");
            StreamExit exit = i.exitFor(localPort, before).get(10, TimeUnit.SECONDS);
            return new String[] {seen, exit.exit().orElseThrow().fingerprint(), exit.circuitId()};
        }
    }

    private static long rssKb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    @Test
    void becomesReadyCarriesTrafficAndTheTrackerNamesTheExitWhoamiSaw(TestNetwork net) throws Exception {
        StateRecorder rec = new StateRecorder();
        instance = create(net, "client", rec);
        instance.start().get(READY_BUDGET.toSeconds(), TimeUnit.SECONDS);
        Duration cold = instance.lastStartupTime().orElseThrow();
        long pid = instance.pid().orElseThrow();
        log.info("MEASURE cold start to READY: {} ms; RSS {} kB", cold.toMillis(), rssKb(pid));
        assertThat(instance.socksAddress()).isPresent();
        assertThat(instance.bootstrap().isDone()).isTrue();

        Set<String> exitFps = net.exits().stream().map(TestRelay::fingerprint).collect(Collectors.toSet());
        // The consensus as this client sees it names the same relays, and the same exits, as the network.
        var consensus = instance.control().orElseThrow().networkStatus().get(10, TimeUnit.SECONDS);
        assertThat(consensus).extracting(r -> r.fingerprint())
                .containsExactlyInAnyOrderElementsOf(net.relays().stream().map(TestRelay::fingerprint).toList());
        assertThat(consensus.stream().filter(r -> r.isExit()).map(r -> r.fingerprint())).containsExactlyInAnyOrderElementsOf(exitFps);
        for (String user : List.of("alice", "bob", "carol", "dave", "erin")) {
            String[] r = fetch(instance, net, user);
            log.info("user {} -> whoami {} / tracker {} (circuit {})", user, r[0], r[1], r[2]);
            assertThat(r[0]).as("whoami saw an exit of the network").isIn(exitFps);
            assertThat(r[1]).as("tracker agrees with whoami for " + user).isEqualTo(r[0]);
        }
        log.info("MEASURE RSS after 5 streams: {} kB", rssKb(pid));

        // Warm start: same data directory, so the cached consensus makes READY much quicker.
        instance.stop().get(30, TimeUnit.SECONDS);
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("stop leaves no tor").isEmpty();
        assertThat(rec.states()).endsWith(STOPPED);
        instance.start().get(READY_BUDGET.toSeconds(), TimeUnit.SECONDS);
        log.info("MEASURE warm start to READY: {} ms", instance.lastStartupTime().orElseThrow().toMillis());
        long warmPid = instance.pid().orElseThrow();
        instance.stop().get(30, TimeUnit.SECONDS);
        assertThat(ProcessHandle.of(warmPid).filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void aSigkilledTorIsRestartedToReadyWithANewPidAndWorksAgain(TestNetwork net) throws Exception {
        StateRecorder rec = new StateRecorder();
        instance = create(net, "victim", rec);
        instance.start().get(READY_BUDGET.toSeconds(), TimeUnit.SECONDS);
        long firstPid = instance.pid().orElseThrow();

        int mark = rec.mark();
        Instant killedAt = Instant.now();
        ProcessHandle.of(firstPid).orElseThrow().destroyForcibly(); // SIGKILL
        rec.awaitAfter(mark, RESTARTING, Duration.ofSeconds(10));
        // Budget: 1 s backoff + a warm start.
        rec.awaitAfter(mark, READY, Duration.ofSeconds(30));
        Duration restart = Duration.between(killedAt, Instant.now());
        long secondPid = instance.pid().orElseThrow();
        log.info("MEASURE SIGKILL to READY again: {} ms (launch to READY {} ms)", restart.toMillis(),
                instance.lastStartupTime().orElseThrow().toMillis());
        assertThat(secondPid).isNotEqualTo(firstPid);
        assertThat(ProcessHandle.of(firstPid).filter(ProcessHandle::isAlive)).isEmpty();

        String[] r = fetch(instance, net, "after-restart");
        assertThat(r[0]).isIn(net.exits().stream().map(TestRelay::fingerprint).toList());
        assertThat(r[1]).isEqualTo(r[0]);
    }

    @Test
    void newnymGivesTheSameUserAFreshCircuitAndIsRateLimited(TestNetwork net) throws Exception {
        StateRecorder rec = new StateRecorder();
        instance = create(net, "nym", rec);
        instance.start().get(READY_BUDGET.toSeconds(), TimeUnit.SECONDS);
        long before = Math.max(Long.parseLong(fetch(instance, net, "sticky")[2]), Long.parseLong(fetch(instance, net, "sticky")[2]));

        Instant first = instance.newnym().get(10, TimeUnit.SECONDS);
        long afterFirst = Long.parseLong(fetch(instance, net, "sticky")[2]);
        // NEWNYM marks every existing circuit dirty: the stream must go on a circuit built after it.
        assertThat(afterFirst).as("NEWNYM took effect").isGreaterThan(before);

        var second = instance.newnym();
        assertThat(second).as("within 10 s: deferred, not sent").isNotDone();
        assertThat(instance.control().orElseThrow().newnymSignalsSent()).isEqualTo(1);
        Instant secondAt = second.get(20, TimeUnit.SECONDS);
        assertThat(Duration.between(first, secondAt)).isGreaterThanOrEqualTo(Duration.ofMillis(9_900));
        assertThat(Long.parseLong(fetch(instance, net, "sticky")[2])).isGreaterThan(afterFirst);
        assertThat(Files.readString(instance.logFile())).doesNotContain("Rate limiting NEWNYM");
    }

    @Test
    void circuitsThatKeepFailingDegradeTheInstanceWhichRecoversOrIsRestarted(TestNetwork net) throws Exception {
        StateRecorder rec = new StateRecorder();
        instance = TorInstance.create(TorInstanceConfig.builder("failing", dir)
                .extraTorrc(net.clientTorrc())
                .circuitFailureLimit(5, Duration.ofSeconds(30))
                .degradedGrace(Duration.ofSeconds(60))
                .build());
        instance.addListener(rec);
        instance.start().get(READY_BUDGET.toSeconds(), TimeUnit.SECONDS);
        long firstPid = instance.pid().orElseThrow();

        // A middle relay that the consensus still lists but that is down: every circuit through it fails.
        TestRelay middle = net.relays().stream().filter(r -> r.role() == TestRelay.Role.MIDDLE).findFirst().orElseThrow();
        net.stopRelay(middle.fingerprint());
        try {
            Map<String, String> pinToDeadMiddle = new java.util.LinkedHashMap<>();
            pinToDeadMiddle.put("MiddleNodes", "$" + middle.fingerprint());
            pinToDeadMiddle.put("StrictNodes", "1");

            // Phase 1: failures degrade it; once circuits build again it is READY again, same process.
            int mark = rec.mark();
            instance.control().orElseThrow().setConf(pinToDeadMiddle).get(10, TimeUnit.SECONDS);
            instance.newnym().get(10, TimeUnit.SECONDS); // drop the built circuits so tor must build new ones
            StateRecorder.Transition degraded = rec.awaitAfter(mark, DEGRADED, Duration.ofSeconds(30));
            assertThat(degraded.reason()).contains("5 circuits failed").contains("NEWNYM");
            instance.control().orElseThrow().setConf(Map.of("MiddleNodes", "", "StrictNodes", "")).get(10, TimeUnit.SECONDS);
            StateRecorder.Transition recovered = rec.awaitAfter(mark, READY, Duration.ofSeconds(30));
            assertThat(recovered.reason()).contains("circuits build again");
            assertThat(instance.pid()).hasValue(firstPid);

            // Phase 2: failures go on after the NEWNYM: the instance is restarted, which drops the SETCONF.
            mark = rec.mark();
            instance.control().orElseThrow().setConf(pinToDeadMiddle).get(10, TimeUnit.SECONDS);
            instance.control().orElseThrow().signal("NEWNYM").get(10, TimeUnit.SECONDS);
            rec.awaitAfter(mark, DEGRADED, Duration.ofSeconds(30));
            StateRecorder.Transition restarting = rec.awaitAfter(mark, RESTARTING, Duration.ofSeconds(30));
            assertThat(restarting.reason()).contains("even after NEWNYM");
            rec.awaitAfter(mark, READY, Duration.ofSeconds(30));
            assertThat(instance.pid().orElseThrow()).isNotEqualTo(firstPid);
        } finally {
            // On a new port, so that the test classes after this one, which share the network, can use it at once
            // (relays that failed to reach it refuse its old address and port for 60 s).
            net.startRelayOnNewPort(middle.fingerprint());
            net.awaitConsensus(Duration.ofSeconds(60));
        }
    }
}
