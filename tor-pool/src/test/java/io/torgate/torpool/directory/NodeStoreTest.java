package io.torgate.torpool.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeStoreTest {

    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("state").resolve("nodes.db");
    }

    @Test
    void migratesANewFileToTheLatestSchemaInWalMode() throws Exception {
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load()).isEqualTo(StoredDirectory.EMPTY);
        }
        try (Connection c = jdbc()) {
            assertThat(Migrations.userVersion(c)).isEqualTo(Migrations.latest(Migrations.ALL)).isEqualTo(1);
            assertThat(NodeStore.pragma(c, "journal_mode")).isEqualTo("wal");
            assertThat(tables(c)).contains("relay", "exit_address", "refresh_log", "directory_meta");
        }
    }

    @Test
    void reopeningKeepsDataAndDoesNotMigrateAgain() throws Exception {
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            store.replace(Docs.parsed(Docs.relays(3)), Optional.of("Mon, 23 Nov 2026 01:00:00 GMT"), Docs.refreshed(3));
        }
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            StoredDirectory s = store.load();
            assertThat(s.relays()).hasSize(3);
            assertThat(s.lastModified()).contains("Mon, 23 Nov 2026 01:00:00 GMT");
            assertThat(store.movedAside()).isEmpty();
        }
    }

    @Test
    void appliesOnlyTheMissingStepsInOrder() throws Exception {
        Migration v2 = new Migration(2, "test: a second table", List.of("CREATE TABLE extra (x INTEGER)",
                "INSERT INTO extra VALUES (42)"));
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC(), List.of(Migrations.ALL.get(0)))) {
            store.replace(Docs.parsed(Docs.relays(2)), Optional.empty(), Docs.refreshed(2));
        }
        try (Connection c = jdbc()) {
            assertThat(Migrations.userVersion(c)).isEqualTo(1);
            assertThat(tables(c)).doesNotContain("extra");
        }
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC(), List.of(Migrations.ALL.get(0), v2))) {
            assertThat(store.load().relays()).as("v1 data survives the v2 step").hasSize(2);
        }
        try (Connection c = jdbc(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT x FROM extra")) {
            assertThat(Migrations.userVersion(c)).isEqualTo(2);
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
            assertThat(rs.next()).as("step 2 ran once").isFalse();
        }
    }

    @Test
    void aFailingStepIsRolledBackAndTheVersionStays() throws Exception {
        Migration bad = new Migration(2, "test: fails half way", List.of("CREATE TABLE half (x INTEGER)",
                "INSERT INTO no_such_table VALUES (1)"));
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load().relays()).isEmpty();
        }

        assertThatThrownBy(() -> NodeStore.open(db(), Clock.systemUTC(), List.of(Migrations.ALL.get(0), bad)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("schema migration 2 (test: fails half way) failed")
                .hasMessageContaining("no_such_table");
        try (Connection c = jdbc()) {
            assertThat(Migrations.userVersion(c)).isEqualTo(1);
            assertThat(tables(c)).doesNotContain("half");
        }
    }

    @Test
    void stepsMustBeNumberedFromOneWithoutGaps() {
        Migration v3 = new Migration(3, "gap", List.of("SELECT 1"));

        assertThatThrownBy(() -> NodeStore.open(db(), Clock.systemUTC(), List.of(Migrations.ALL.get(0), v3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("migration #1 has version 3, expected 2");
    }

    @Test
    void aFileFromANewerTorgateIsMovedAsideNotMisread() throws Exception {
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            store.replace(Docs.parsed(Docs.relays(2)), Optional.empty(), Docs.refreshed(2));
        }
        try (Connection c = jdbc(); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }

        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load().relays()).isEmpty();
            assertThat(store.movedAside()).hasSize(1);
            assertThat(store.movedAside().get(0).getFileName().toString()).startsWith("nodes.db.corrupt-");
        }
    }

    @Test
    void roundTripsEveryField() throws Exception {
        ParsedDocument doc = OnionooParser.parse(OnionooParserTest.sample());
        Instant started = Instant.parse("2026-11-23T01:05:00Z");
        RefreshOutcome o = RefreshOutcome.refreshed(started, Duration.ofMillis(250), doc.relays().size(), 0);
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            store.replace(doc, Optional.of("Mon, 23 Nov 2026 01:00:00 GMT"), o);
        }
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            StoredDirectory s = store.load();
            List<Relay> expected = new ArrayList<>(doc.relays());
            expected.sort(java.util.Comparator.comparing(Relay::fingerprint));
            assertThat(s.relays()).usingRecursiveFieldByFieldElementComparator().isEqualTo(expected);
            assertThat(s.relays()).isEqualTo(expected);
            assertThat(s.lastGoodAt()).contains(Instant.parse("2026-11-23T01:05:00.250Z"));
            assertThat(store.recentLog(10)).containsExactly(o);
        }
        try (Connection c = jdbc(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT source, count(*) FROM exit_address GROUP BY source ORDER BY source")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1) + "=" + rs.getInt(2)).isEqualTo("exit_addresses=5");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1) + "=" + rs.getInt(2)).isEqualTo("or_address=1");
        }
    }

    @Test
    void aFailedReplaceLeavesTheOldDirectoryWhole() throws Exception {
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            store.replace(Docs.parsed(Docs.relays(10)), Optional.of("Mon, 23 Nov 2026 01:00:00 GMT"), Docs.refreshed(10));
            List<Relay> twice = new ArrayList<>(Docs.relays(20));
            twice.add(Docs.relay(19, "de")); // same fingerprint again: the primary key stops the insert late

            assertThatThrownBy(() -> store.replace(Docs.parsed(twice), Optional.of("Tue, 24 Nov 2026 01:00:00 GMT"),
                    Docs.refreshed(21))).isInstanceOf(SQLException.class).hasMessageContaining("UNIQUE");

            StoredDirectory s = store.load();
            assertThat(s.relays()).hasSize(10);
            assertThat(s.lastModified()).contains("Mon, 23 Nov 2026 01:00:00 GMT");
            assertThat(store.recentLog(10)).hasSize(1);
            try (Connection other = jdbc()) {
                assertThat(count(other, "relay")).isEqualTo(10);
                assertThat(count(other, "exit_address")).isEqualTo(10);
            }
        }
    }

    @Test
    void aReaderOnAnotherConnectionSeesWholeDirectoriesOnly() throws Exception {
        int small = 1500;
        int large = 4000;
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            store.replace(Docs.parsed(Docs.relays(small)), Optional.empty(), Docs.refreshed(small));
            Set<Integer> seen = new ConcurrentSkipListSet<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> readerFailure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try (Connection c = jdbc()) {
                    while (!stop.get()) {
                        seen.add(count(c, "relay"));
                        seen.add(-count(c, "exit_address")); // negative: addresses, to tell the two apart
                    }
                } catch (Throwable t) {
                    readerFailure.set(t);
                }
            }, "reader");
            reader.start();
            try {
                for (int i = 0; i < 8; i++) {
                    int n = i % 2 == 0 ? large : small;
                    store.replace(Docs.parsed(Docs.relays(n)), Optional.empty(), Docs.refreshed(n));
                }
            } finally {
                stop.set(true);
                reader.join(10_000);
            }
            assertThat(readerFailure.get()).isNull();
            assertThat(seen).isSubsetOf(Set.of(small, large, -small, -large));
            assertThat(seen).as("the reader ran across the swaps").contains(small, large, -small, -large);
        }
    }

    @Test
    void logsUnchangedAndFailedAttemptsNewestFirstAndKeepsTheLogBounded() throws Exception {
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            Instant t = Instant.parse("2026-11-23T00:00:00Z");
            RefreshOutcome unchanged = RefreshOutcome.unchanged(t, Duration.ofMillis(3), 7);
            RefreshOutcome failed = RefreshOutcome.failed(t.plusSeconds(60), Duration.ofMillis(9), 500, 7,
                    FailureReason.HTTP_SERVER_ERROR, "Onionoo answered HTTP 500");
            assertThat(store.confirmUnchanged(unchanged)).isFalse();
            store.logFailure(failed);

            assertThat(store.recentLog(5)).containsExactly(failed, unchanged);
            assertThat(store.load().lastGoodAt()).contains(t.plusMillis(3));

            for (int i = 0; i < NodeStore.REFRESH_LOG_KEEP + 5; i++) {
                store.logFailure(failed);
            }
            try (Connection c = jdbc()) {
                assertThat(count(c, "refresh_log")).isEqualTo(NodeStore.REFRESH_LOG_KEEP);
            }
        }
    }

    private Connection jdbc() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db());
    }

    static int count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static List<String> tables(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
