package io.torgate.torpool.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.torgate.torpool.support.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NodeDirectory against a scriptable local HTTP server: every failure shape, scheduling, filters, persistence. */
class NodeDirectoryLocalTest {

    static final String LAST_MODIFIED = "Mon, 23 Nov 2026 01:00:00 GMT";
    static final String FP_DE = "0111BA9B604669E636FFD5B503F382A4B7AD6E80";
    static final String FP_US = "1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";
    static final String FP_BADEXIT = "2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E";
    static final String FP_NOWHERE = "3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F";
    static final String FP_FR = "4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F70";

    @TempDir
    Path dir;
    FakeOnionoo server;
    RecordingListener listener = new RecordingListener();
    byte[] sample;
    /** Handlers that hold a request open wait on this; released after each test so no thread lingers. */
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        server = new FakeOnionoo();
        sample = OnionooParserTest.sample();
        serveSample();
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        server.close();
    }

    void serveSample() {
        server.answer(ex -> {
            String ims = ex.getRequestHeaders().getFirst("If-Modified-Since");
            ex.getResponseHeaders().set("Last-Modified", LAST_MODIFIED);
            if (LAST_MODIFIED.equals(ims)) {
                ex.sendResponseHeaders(304, -1);
                return;
            }
            FakeOnionoo.send(ex, 200, "application/json", sample, true);
        });
    }

    NodeDirectoryConfig.Builder config() {
        return NodeDirectoryConfig.builder().baseUrl(server.url()).stateDir(dir).listener(listener)
                .httpTimeout(Duration.ofSeconds(5));
    }

    static RefreshOutcome refresh(NodeDirectory d) throws Exception {
        return d.refreshNow().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRefreshAsksForRunningExitsWithGzipAndStoresThem() throws Exception {
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            assertThat(d.size()).isZero();
            assertThat(d.age()).isEmpty();

            RefreshOutcome o = refresh(d);

            assertThat(o.kind()).isEqualTo(RefreshOutcome.Kind.REFRESHED);
            assertThat(o.httpStatus()).isEqualTo(200);
            assertThat(o.relayCount()).isEqualTo(5);
            FakeOnionoo.Request r = server.lastRequest();
            assertThat(r.query()).isEqualTo("type=relay&running=true&flag=Exit&fields=nickname,fingerprint,or_addresses,"
                    + "exit_addresses,country,country_name,flags,observed_bandwidth,exit_policy_summary,first_seen,"
                    + "last_seen,running");
            assertThat(r.header("Accept-Encoding")).isEqualTo("gzip");
            assertThat(r.header("If-Modified-Since")).as("nothing stored yet").isNull();
            assertThat(d.size()).isEqualTo(5);
            assertThat(d.exits()).extracting(Relay::fingerprint).as("BadExit left out")
                    .containsExactly(FP_DE, FP_US, FP_NOWHERE, FP_FR);
            assertThat(d.countByCountry()).isEqualTo(Map.of("de", 1, "us", 1, "fr", 1, "??", 1));
            assertThat(d.relay(FP_BADEXIT.toLowerCase())).get().extracting(Relay::nickname).isEqualTo(java.util.Optional.of("badapple"));
            assertThat(d.relay("not a fingerprint")).isEmpty();
            assertThat(d.age()).get().matches(a -> a.compareTo(Duration.ofSeconds(5)) < 0);
            assertThat(d.lastOutcome()).contains(o);
            assertThat(d.counters().refreshed()).isEqualTo(1);
            assertThat(listener.calls).containsExactly("refreshed");
        }
    }

    @Test
    void theSecondRefreshIsConditionalAnd304CountsAsUnchanged() throws Exception {
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            refresh(d);
            RefreshOutcome o = refresh(d);

            assertThat(server.lastRequest().header("If-Modified-Since")).isEqualTo(LAST_MODIFIED);
            assertThat(o.kind()).isEqualTo(RefreshOutcome.Kind.UNCHANGED);
            assertThat(o.httpStatus()).isEqualTo(304);
            assertThat(o.relayCount()).isEqualTo(5);
            assertThat(d.counters().unchanged()).isEqualTo(1);
            assertThat(d.size()).isEqualTo(5);
            assertThat(listener.calls).containsExactly("refreshed", "unchanged");
            assertThat(d.refreshLog(10)).extracting(RefreshOutcome::kind)
                    .containsExactly(RefreshOutcome.Kind.UNCHANGED, RefreshOutcome.Kind.REFRESHED);
        }
    }

    @Test
    void a304ToAnUnconditionalRequestIsAFailure() throws Exception {
        server.answer(ex -> ex.sendResponseHeaders(304, -1));
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            RefreshOutcome o = refresh(d);

            assertThat(o.reason()).contains(FailureReason.HTTP_UNEXPECTED_STATUS);
            assertThat(o.error()).get().asString().contains("unconditional");
        }
    }

    @Test
    void aStoppedServerMeansConnectionRefusedAndTheDirectoryStays() throws Exception {
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            refresh(d);
            server.close();

            RefreshOutcome o = refresh(d);

            assertThat(o.reason()).contains(FailureReason.CONNECTION_FAILED);
            assertThat(o.httpStatus()).isZero();
            assertThat(o.relayCount()).as("kept").isEqualTo(5);
            assertThat(o.error()).get().asString().contains("127.0.0.1:" + server.port()).containsIgnoringCase("connection refused");
            assertThat(d.exits()).hasSize(4);
            assertThat(d.counters().failures(FailureReason.CONNECTION_FAILED)).isEqualTo(1);
            assertThat(d.counters().consecutiveFailures()).isEqualTo(1);
            assertThat(listener.calls).containsExactly("refreshed", "failed:CONNECTION_FAILED");
        }
    }

    @Test
    void everyBadAnswerKeepsTheLastGoodDirectoryAndIsCountedByReason() throws Exception {
        byte[] big = new byte[20_000];
        java.util.Arrays.fill(big, (byte) ' ');
        Map<String, FakeOnionoo.Answer> answers = new java.util.LinkedHashMap<>();
        answers.put("HTTP_SERVER_ERROR", ex -> FakeOnionoo.send(ex, 503, "text/plain", "busy".getBytes(), false));
        answers.put("HTTP_UNEXPECTED_STATUS", ex -> FakeOnionoo.send(ex, 404, "text/plain", "no such path".getBytes(), false));
        answers.put("BODY_TOO_LARGE", ex -> FakeOnionoo.send(ex, 200, "application/json", big, false));
        answers.put("BODY_TOO_LARGE/chunked", ex -> {
            ex.sendResponseHeaders(200, 0); // no Content-Length: the limit must hold while streaming
            for (int i = 0; i < 20; i++) {
                ex.getResponseBody().write(big, 0, 1000);
            }
        });
        answers.put("BODY_TOO_LARGE/gzip bomb", ex -> FakeOnionoo.send(ex, 200, "application/json", new byte[1_000_000], true));
        answers.put("BAD_ENCODING/not gzip", ex -> {
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            FakeOnionoo.send(ex, 200, "application/json", sample, false);
        });
        answers.put("BAD_ENCODING/cut gzip", ex -> {
            byte[] gz = FakeOnionoo.gzip(sample);
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            FakeOnionoo.send(ex, 200, "application/json", java.util.Arrays.copyOf(gz, gz.length / 2), false);
        });
        answers.put("BAD_ENCODING/br", ex -> {
            ex.getResponseHeaders().set("Content-Encoding", "br");
            FakeOnionoo.send(ex, 200, "application/json", sample, false);
        });
        answers.put("MALFORMED_JSON", ex -> FakeOnionoo.send(ex, 200, "application/json",
                java.util.Arrays.copyOf(sample, sample.length - 10), true));
        answers.put("NOT_ONIONOO", ex -> FakeOnionoo.send(ex, 200, "application/json",
                "{\"version\":\"8.0\",\"relays_published\":\"x\",\"relays\":{}}".getBytes(), true));
        answers.put("NO_USABLE_RELAYS", ex -> FakeOnionoo.send(ex, 200, "application/json",
                OnionooParserTest.doc("{\"fingerprint\":\"XYZ\"}"), true));
        answers.put("TIMEOUT", ex -> {
            ex.sendResponseHeaders(200, sample.length); // headers at once, then the body never finishes
            ex.getResponseBody().write(sample, 0, 100);
            ex.getResponseBody().flush();
            awaitRelease();
        });

        try (NodeDirectory d = NodeDirectory.open(config().maxBodyBytes(10_000).httpTimeout(Duration.ofMillis(800)).build())) {
            refresh(d);
            List<Relay> good = d.exits();
            int expectedFailures = 0;
            for (Map.Entry<String, FakeOnionoo.Answer> a : answers.entrySet()) {
                FailureReason expected = FailureReason.valueOf(a.getKey().split("/")[0]);
                server.answer(a.getValue());

                RefreshOutcome o = refresh(d);

                assertThat(o.reason()).as(a.getKey() + ": " + o.error()).contains(expected);
                assertThat(d.exits()).as(a.getKey()).isEqualTo(good);
                assertThat(d.counters().consecutiveFailures()).isEqualTo(++expectedFailures);
            }
            RefreshCounters c = d.counters();
            assertThat(c.failures()).isEqualTo(answers.size());
            assertThat(c.failures(FailureReason.BODY_TOO_LARGE)).isEqualTo(3);
            assertThat(c.failures(FailureReason.BAD_ENCODING)).isEqualTo(3);
            assertThat(c.failures(FailureReason.TIMEOUT)).isEqualTo(1);
            assertThat(c.refreshed()).isEqualTo(1);
            assertThat(d.refreshLog(100)).hasSize(answers.size() + 1);

            serveSample();
            assertThat(refresh(d).kind()).as("recovers").isIn(RefreshOutcome.Kind.UNCHANGED, RefreshOutcome.Kind.REFRESHED);
            assertThat(d.counters().consecutiveFailures()).isZero();
        }
    }

    @Test
    void aDocumentWithSomeBadRecordsIsUsedAndTheSkipsCounted() throws Exception {
        String good = new String(sample, StandardCharsets.UTF_8);
        String withBad = good.replace("\"relays\":[", "\"relays\":[{\"fingerprint\":\"SHORT\"},");
        server.answer(ex -> FakeOnionoo.send(ex, 200, "application/json", withBad.getBytes(StandardCharsets.UTF_8), true));
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            RefreshOutcome o = refresh(d);

            assertThat(o.kind()).isEqualTo(RefreshOutcome.Kind.REFRESHED);
            assertThat(o.relayCount()).isEqualTo(5);
            assertThat(o.skipped()).isEqualTo(1);
            assertThat(d.counters().skippedRecords()).isEqualTo(1);
        }
    }

    @Test
    void aFailureIsLoggedOncePerStreakNotOncePerRetry() throws Exception {
        try (LogCapture logs = new LogCapture(NodeDirectory.class);
             NodeDirectory d = NodeDirectory.open(config().build())) {
            refresh(d);
            server.answer(ex -> FakeOnionoo.send(ex, 500, "text/plain", "boom".getBytes(), false));
            for (int i = 0; i < 4; i++) {
                refresh(d);
            }
            server.answer(ex -> FakeOnionoo.send(ex, 200, "text/html", "<html>".getBytes(), false));
            refresh(d);
            refresh(d);
            serveSample();
            refresh(d);

            List<String> warns = logs.at(Level.WARN);
            assertThat(warns).hasSize(2);
            assertThat(warns.get(0)).contains("HTTP_SERVER_ERROR").contains("keeping the last good directory (5 relays");
            assertThat(warns.get(1)).contains("MALFORMED_JSON");
            assertThat(logs.at(Level.INFO)).anyMatch(m -> m.contains("works again after 6 failed attempts"));
            assertThat(d.counters().failures(FailureReason.HTTP_SERVER_ERROR)).isEqualTo(4);
            assertThat(d.counters().failures(FailureReason.MALFORMED_JSON)).isEqualTo(2);
        }
    }

    @Test
    void anAttachedConsensusHidesExitsItDoesNotList() throws Exception {
        try (LogCapture logs = new LogCapture(NodeDirectory.class);
             NodeDirectory d = NodeDirectory.open(config().build())) {
            refresh(d);

            d.attachConsensus(() -> Set.of(FP_DE, FP_FR, FP_BADEXIT));
            assertThat(d.exits()).extracting(Relay::fingerprint).containsExactly(FP_DE, FP_FR);
            assertThat(d.countByCountry()).isEqualTo(Map.of("de", 1, "fr", 1));
            assertThat(d.relay(FP_US)).as("lookups are not filtered").isPresent();

            d.attachConsensus(() -> Set.of(FP_US));
            assertThat(d.exits()).extracting(Relay::fingerprint).containsExactly(FP_US);

            d.attachConsensus(Set::of);
            assertThat(d.exits()).as("an empty consensus is unknown, not 'no relays'").hasSize(4);

            AtomicInteger calls = new AtomicInteger();
            d.attachConsensus(() -> {
                calls.incrementAndGet();
                throw new IllegalStateException("tor is not running");
            });
            assertThat(d.exits()).hasSize(4);
            assertThat(d.exits()).hasSize(4);
            assertThat(calls.get()).isEqualTo(2);
            assertThat(logs.at(Level.WARN)).filteredOn(m -> m.contains("consensus view failed")).hasSize(1);

            d.detachConsensus();
            assertThat(d.exits()).hasSize(4);
        }
    }

    @Test
    void exitFiltersCombine() throws Exception {
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            refresh(d);

            assertThat(d.exits(ExitFilter.inCountries("DE", "us"))).extracting(Relay::fingerprint).containsExactly(FP_DE, FP_US);
            assertThat(d.exits(ExitFilter.inCountries("nl"))).as("the only nl relay is a BadExit").isEmpty();
            assertThat(d.exits(ExitFilter.builder().excludeCountries(List.of("de", "us")).build()))
                    .extracting(Relay::fingerprint).containsExactly(FP_NOWHERE, FP_FR);
            assertThat(d.exits(ExitFilter.builder().requireFlags(List.of("Stable")).build()))
                    .extracting(Relay::fingerprint).containsExactly(FP_DE, FP_NOWHERE);
            assertThat(d.exits(ExitFilter.builder().requireFlags(List.of("Fast")).excludeFingerprints(List.of(FP_DE.toLowerCase()))
                    .excludeCountries(List.of("fr")).build())).extracting(Relay::fingerprint).containsExactly(FP_US);
        }
        assertThatThrownBy(() -> ExitFilter.inCountries("germany")).hasMessageContaining("'germany'");
        assertThatThrownBy(() -> ExitFilter.builder().requireFlags(List.of("Bad Exit"))).hasMessageContaining("'Bad Exit'");
        assertThatThrownBy(() -> ExitFilter.builder().excludeFingerprints(List.of("ABC"))).hasMessageContaining("'ABC'");
    }

    @Test
    void aReopenedDirectoryServesWhatWasStoredAndAsksConditionally() throws Exception {
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            refresh(d);
        }
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            assertThat(d.size()).isEqualTo(5);
            assertThat(d.exits()).hasSize(4);
            assertThat(d.age()).isPresent();
            assertThat(d.lastOutcome()).isEmpty();

            assertThat(refresh(d).kind()).isEqualTo(RefreshOutcome.Kind.UNCHANGED);
            assertThat(server.lastRequest().header("If-Modified-Since")).isEqualTo(LAST_MODIFIED);
            assertThat(d.refreshLog(10)).hasSize(2);
        }
    }

    @Test
    void scheduledRefreshesRetryWithBackoffThenSettleIntoTheInterval() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        server.answer(ex -> {
            requests.incrementAndGet();
            FakeOnionoo.send(ex, 502, "text/plain", "bad gateway".getBytes(), false);
        });
        NodeDirectoryConfig c = config().refreshInterval(Duration.ofSeconds(1)).retryInterval(Duration.ofMillis(100)).build();
        try (NodeDirectory d = NodeDirectory.open(c)) {
            d.start();
            d.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> d.counters().failures() >= 3);
            serveSample();
            await().atMost(Duration.ofSeconds(10)).until(() -> d.counters().refreshed() == 1);
            assertThat(d.size()).isEqualTo(5);
            await().atMost(Duration.ofSeconds(10)).until(() -> d.counters().unchanged() >= 1);
            assertThat(listener.calls).contains("refreshed", "unchanged").contains("failed:HTTP_SERVER_ERROR");
        }
    }

    @Test
    void failedManualRefreshesDoNotPushTheAutomaticRetryOutToTheInterval() throws Exception {
        server.answer(ex -> FakeOnionoo.send(ex, 500, "text/plain", "boom".getBytes(), false));
        Duration interval = Duration.ofMinutes(30);
        Duration retry = Duration.ofMinutes(1);
        try (NodeDirectory d = NodeDirectory.open(config().refreshInterval(interval).retryInterval(retry).build())) {
            d.start(); // nothing stored: the first automatic refresh runs at once, and fails
            await().atMost(Duration.ofSeconds(10)).until(() -> d.lastOutcome().isPresent() && d.nextRefreshIn().isPresent());
            assertThat(d.nextRefreshIn().get()).isLessThanOrEqualTo(retry).isGreaterThan(retry.minusSeconds(10));

            for (int i = 0; i < 5; i++) {
                assertThat(refresh(d).isFailure()).isTrue();
            }
            assertThat(d.counters().consecutiveFailures()).as("all attempts count as failures").isEqualTo(6);
            assertThat(d.nextRefreshIn().get()).as("the automatic retry stays due within its minute")
                    .isLessThanOrEqualTo(retry);

            serveSample();
            assertThat(refresh(d).kind()).isEqualTo(RefreshOutcome.Kind.REFRESHED);
            assertThat(d.nextRefreshIn().get()).as("a manual success: the normal interval from now")
                    .isLessThanOrEqualTo(interval).isGreaterThan(interval.minusSeconds(10));
        }
    }

    @Test
    void startFetchesAtOnceOnlyWhenTheStoredDirectoryIsOlderThanTheInterval() throws Exception {
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            refresh(d);
        }
        int before = server.requests().size();
        try (NodeDirectory d = NodeDirectory.open(config().refreshInterval(Duration.ofMinutes(30)).build())) {
            d.start();
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2))
                    .until(() -> server.requests().size() == before);
            assertThat(d.lastOutcome()).isEmpty();
        }
        // The same store seen 31 minutes later: due, so start() refreshes at once.
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(31));
        try (NodeDirectory d = NodeDirectory.open(config().refreshInterval(Duration.ofMinutes(30)).clock(later).build())) {
            assertThat(d.age()).get().matches(a -> a.compareTo(Duration.ofMinutes(31)) >= 0);
            d.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> d.lastOutcome().isPresent());
            assertThat(d.lastOutcome().get().kind()).isEqualTo(RefreshOutcome.Kind.UNCHANGED);
            assertThat(server.requests()).hasSize(before + 1);
            assertThat(d.age()).get().matches(a -> a.compareTo(Duration.ofSeconds(5)) < 0, "reset by the 304");
        }
    }

    @Test
    void concurrentRefreshNowCallsShareOneRequest() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        server.answer(ex -> {
            arrived.countDown();
            awaitRelease();
            FakeOnionoo.send(ex, 200, "application/json", sample, true);
        });
        try (NodeDirectory d = NodeDirectory.open(config().build())) {
            CompletableFuture<RefreshOutcome> first = d.refreshNow();
            assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<RefreshOutcome> second = d.refreshNow();
            release.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(second.get(10, TimeUnit.SECONDS));
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void closeAbandonsAHangingRefreshAndRefusesNewOnes() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        server.answer(ex -> {
            arrived.countDown();
            awaitRelease();
        });
        NodeDirectory d = NodeDirectory.open(config().httpTimeout(Duration.ofSeconds(60)).build());
        CompletableFuture<RefreshOutcome> pending = d.refreshNow();
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();

        d.close();
        d.close();

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(pending).isDone();
        if (!pending.isCompletedExceptionally()) {
            assertThat(pending.get().isFailure()).isTrue();
        }
        assertThatThrownBy(() -> d.refreshNow().get()).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(d::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aThrowingListenerDoesNotBreakRefreshing() throws Exception {
        DirectoryListener bad = new DirectoryListener() {
            @Override
            public void refreshed(RefreshOutcome outcome) {
                throw new IllegalStateException("metrics backend down");
            }
        };
        try (NodeDirectory d = NodeDirectory.open(config().listener(bad).build())) {
            assertThat(refresh(d).kind()).isEqualTo(RefreshOutcome.Kind.REFRESHED);
            assertThat(refresh(d).kind()).isEqualTo(RefreshOutcome.Kind.UNCHANGED);
        }
    }

    @Test
    void aStateDirectoryThatCannotBeMadeIsAClearError() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "not a directory");
        NodeDirectoryConfig c = NodeDirectoryConfig.builder().stateDir(file.resolve("state")).build();

        assertThatThrownBy(() -> NodeDirectory.open(c)).isInstanceOf(NodeDirectoryException.class)
                .hasMessageContaining(file.resolve("state").toString());
    }

    @Test
    void configRejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> NodeDirectoryConfig.builder().baseUrl("ftp://onionoo.example")).hasMessageContaining("ftp://onionoo.example");
        assertThatThrownBy(() -> NodeDirectoryConfig.builder().baseUrl("https://onionoo.example/?x=1")).hasMessageContaining("no query");
        assertThatThrownBy(() -> NodeDirectoryConfig.builder().baseUrl("not a url")).hasMessageContaining("'not a url'");
        assertThatThrownBy(() -> NodeDirectoryConfig.builder().httpTimeout(Duration.ZERO)).hasMessageContaining("httpTimeout");
        assertThatThrownBy(() -> NodeDirectoryConfig.builder().maxBodyBytes(10)).hasMessageContaining("10");
        assertThatThrownBy(() -> NodeDirectoryConfig.builder().build()).hasMessageContaining("stateDir");
        assertThatThrownBy(() -> NodeDirectoryConfig.builder().stateDir(dir).refreshInterval(Duration.ofMinutes(1))
                .retryInterval(Duration.ofMinutes(2)).build()).hasMessageContaining("retryInterval");
        NodeDirectoryConfig c = NodeDirectoryConfig.builder().stateDir(dir).baseUrl("https://onionoo.example/").build();
        assertThat(c.baseUrl().toString()).isEqualTo("https://onionoo.example");
        assertThat(OnionooFetcher.detailsUri(c.baseUrl()).toString()).startsWith("https://onionoo.example/details?type=relay&running=true&flag=Exit&fields=");
        NodeDirectoryConfig defaults = NodeDirectoryConfig.builder().stateDir(dir).build();
        assertThat(defaults.baseUrl()).isEqualTo(NodeDirectoryConfig.DEFAULT_BASE_URL);
        assertThat(defaults.refreshInterval()).isEqualTo(Duration.ofMinutes(30));
        assertThat(defaults.dbFile()).isEqualTo(dir.toAbsolutePath().resolve("nodes.db"));
    }

    private void awaitRelease() throws IOException {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
