package io.torgate.torpool.directory;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.torgate.torpool.support.LogCapture;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptDatabaseTest {

    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("nodes.db");
    }

    private void storeSomeRelays(int n) throws Exception {
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            store.replace(Docs.parsed(Docs.relays(n)), Optional.empty(), Docs.refreshed(n));
        }
    }

    @Test
    void garbageOverTheWholeFileIsMovedAsideAndAnEmptyStoreTakesItsPlace() throws Exception {
        storeSomeRelays(50);
        byte[] garbage = new byte[(int) Files.size(db())];
        new Random(7).nextBytes(garbage);
        Files.write(db(), garbage);

        try (LogCapture logs = new LogCapture(NodeStore.class);
             NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load()).isEqualTo(StoredDirectory.EMPTY);
            assertThat(store.movedAside()).hasSize(1);
            Path aside = store.movedAside().get(0);
            assertThat(aside.getFileName().toString()).matches("nodes\\.db\\.corrupt-\\d{8}T\\d{6}Z");
            assertThat(Files.readAllBytes(aside)).as("the bad file is kept as it was, for a post-mortem").isEqualTo(garbage);
            assertThat(logs.at(Level.WARN)).hasSize(1);
            assertThat(logs.at(Level.WARN).get(0)).contains("unreadable").contains(aside.getFileName().toString());

            store.replace(Docs.parsed(Docs.relays(3)), Optional.empty(), Docs.refreshed(3));
            assertThat(store.load().relays()).hasSize(3);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            assertThat(Migrations.userVersion(c)).isEqualTo(1);
            assertThat(NodeStore.pragma(c, "journal_mode")).isEqualTo("wal");
        }
    }

    @Test
    void aTextFileWhereTheDatabaseShouldBeIsMovedAside() throws Exception {
        Files.writeString(db(), "this is not a database, it is a shopping list\n".repeat(200), StandardCharsets.UTF_8);

        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load().relays()).isEmpty();
            assertThat(store.movedAside()).hasSize(1);
        }
    }

    @Test
    void tornPagesBehindAValidHeaderAreFoundAndTheFileReplaced() throws Exception {
        storeSomeRelays(2000);
        long size = Files.size(db());
        assertThat(size).isGreaterThan(3 * 4096);
        try (RandomAccessFile f = new RandomAccessFile(db().toFile(), "rw")) {
            byte[] junk = new byte[(int) size - 4096];
            new Random(11).nextBytes(junk);
            f.seek(4096); // keep page 1 (header and schema): the file still looks like SQLite at first sight
            f.write(junk);
        }

        try (LogCapture logs = new LogCapture(NodeStore.class);
             NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load().relays()).isEmpty();
            assertThat(store.movedAside()).hasSize(1);
            assertThat(logs.at(Level.WARN)).hasSize(1);
        }
    }

    @Test
    void companionFilesOfAGarbageDatabaseDoNotFollowIntoTheFreshOne() throws Exception {
        storeSomeRelays(5);
        byte[] garbage = new byte[16384];
        new Random(3).nextBytes(garbage);
        Files.write(db(), garbage);
        byte[] staleWal = new byte[8192];
        new Random(4).nextBytes(staleWal);
        Files.write(dir.resolve("nodes.db-wal"), staleWal);

        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load()).isEqualTo(StoredDirectory.EMPTY);
            assertThat(store.movedAside()).hasSize(1);
            store.replace(Docs.parsed(Docs.relays(2)), Optional.empty(), Docs.refreshed(2));
            Path wal = dir.resolve("nodes.db-wal");
            if (Files.exists(wal)) {
                assertThat(Files.readAllBytes(wal)).isNotEqualTo(staleWal);
            }
        }
        try (NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            assertThat(store.load().relays()).hasSize(2);
            assertThat(store.movedAside()).isEmpty();
        }
    }

    @Test
    void aFileCorruptedUnderAnOpenStoreIsReplacedOnTheNextWrite() throws Exception {
        try (LogCapture logs = new LogCapture(NodeStore.class);
             NodeStore store = NodeStore.open(db(), Clock.systemUTC())) {
            store.replace(Docs.parsed(Docs.relays(500)), Optional.empty(), Docs.refreshed(500));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                 java.sql.Statement s = c.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)"); // everything into the main file, which we now ruin
            }
            byte[] garbage = new byte[(int) Files.size(db())];
            new Random(5).nextBytes(garbage);
            Files.write(db(), garbage);

            boolean rebuilt = store.replace(Docs.parsed(Docs.relays(7)), Optional.empty(), Docs.refreshed(7));

            assertThat(rebuilt).isTrue();
            assertThat(store.load().relays()).hasSize(7);
            assertThat(store.movedAside()).hasSize(1);
            assertThat(logs.at(Level.WARN)).hasSize(1);
        }
    }

    @Test
    void theDirectoryOpensOnACorruptFileWithAnEmptyDirectory() throws Exception {
        storeSomeRelays(10);
        Files.write(db(), new byte[8192]); // zeroes: not a database header

        NodeDirectoryConfig config = NodeDirectoryConfig.builder().stateDir(dir).baseUrl("http://127.0.0.1:9").build();
        try (NodeDirectory d = NodeDirectory.open(config)) {
            assertThat(d.size()).isZero();
            assertThat(d.age()).isEmpty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("nodes.db.corrupt-"));
        }
    }
}
