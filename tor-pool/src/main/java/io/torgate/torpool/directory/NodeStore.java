package io.torgate.torpool.directory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The directory's SQLite file: relays, their exit addresses, a refresh log and a little metadata. WAL mode, so
 * a reader (the sqlite3 shell, a second process) never waits for a refresh and never sees half of one: each
 * refresh replaces the whole directory in one transaction.
 *
 * <p>The file is a cache of public data. When it is unreadable (garbage over it, a torn page, a schema from a
 * newer torgate) it is moved aside as {@code nodes.db.corrupt-<time>} and a fresh, empty one takes its place;
 * the next refresh fills it. That is logged once, at WARN, and never stops torgate.
 *
 * <p>Thread-safe: one connection, used under this object's lock.
 */
final class NodeStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeStore.class);
    private static final DateTimeFormatter ASIDE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** Enough history to see a pattern of failures, small enough to never matter on disk. */
    static final int REFRESH_LOG_KEEP = 1000;
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;
    private static final String META_LAST_MODIFIED = "last_modified";
    private static final String META_LAST_GOOD_AT = "last_good_at_ms";
    private static final String META_RELAYS_PUBLISHED = "relays_published";

    private final Path file;
    private final Clock clock;
    private final List<Migration> migrations;
    private Connection connection;
    private boolean closed;
    /** Files this store moved aside since it was opened (tests and the report look at them). */
    private final List<Path> movedAside = new ArrayList<>();

    private NodeStore(Path file, Clock clock, List<Migration> migrations) {
        this.file = file;
        this.clock = clock;
        this.migrations = migrations;
    }

    static NodeStore open(Path file, Clock clock) throws SQLException {
        return open(file, clock, Migrations.ALL);
    }

    /**
     * Opens (creating if needed) and migrates the database; an unreadable file is moved aside and replaced.
     *
     * @throws SQLException only when even a fresh file cannot be made (no permission, disk full)
     */
    static NodeStore open(Path file, Clock clock, List<Migration> migrations) throws SQLException {
        NodeStore s = new NodeStore(file.toAbsolutePath().normalize(), clock, migrations);
        try {
            Files.createDirectories(s.file.getParent());
        } catch (IOException e) {
            throw new SQLException("cannot create the state directory " + s.file.getParent() + ": " + e.getMessage(), e);
        }
        s.connection = s.connectRecovering();
        return s;
    }

    Path file() {
        return file;
    }

    synchronized List<Path> movedAside() {
        return List.copyOf(movedAside);
    }

    /** The open connection; after a failed recovery left none, tries once more to make one. */
    private Connection conn() throws SQLException {
        if (closed) {
            throw new SQLException("the node database " + file + " is closed");
        }
        if (connection == null) {
            connection = connectRecovering();
        }
        return connection;
    }

    private Connection connectRecovering() throws SQLException {
        try {
            return connect();
        } catch (SQLException e) {
            if (!isUnreadable(e)) {
                throw e;
            }
            Path aside = moveAside(e);
            log.warn("node database {} is unreadable ({}); moved it to {} and starting an empty one, which the next "
                    + "refresh fills", file, e.getMessage(), aside.getFileName());
            return connect();
        }
    }

    private Connection connect() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(5_000);
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        try {
            quickCheck(c);
            Migrations.apply(c, migrations);
            String mode = pragma(c, "journal_mode");
            if (!"wal".equalsIgnoreCase(mode)) {
                log.warn("node database {} runs in journal mode '{}', not WAL: readers may wait for refreshes", file, mode);
            }
            return c;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** {@code PRAGMA quick_check}: cheap at this size (a few MB) and it finds torn pages before a query does. */
    private static void quickCheck(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            while (rs.next()) {
                problems.add(rs.getString(1));
            }
        }
        if (!problems.equals(List.of("ok"))) {
            throw new SQLException("quick_check: " + String.join("; ", problems.subList(0, Math.min(3, problems.size()))),
                    null, SQLITE_CORRUPT);
        }
    }

    static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** SQLITE_CORRUPT, SQLITE_NOTADB or a schema from the future: the file is no use to us. */
    static boolean isUnreadable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Migrations.UnknownVersionException) {
                return true;
            }
            if (t instanceof SQLException s) {
                int primary = s.getErrorCode() & 0xff;
                if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
                    return true;
                }
                String m = String.valueOf(s.getMessage());
                if (m.contains("SQLITE_CORRUPT") || m.contains("SQLITE_NOTADB")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Renames the database and its -wal/-shm companions to {@code nodes.db.corrupt-<time>[-wal|-shm]}. */
    private Path moveAside(SQLException why) throws SQLException {
        String base = file.getFileName() + ".corrupt-" + ASIDE_TIME.format(clock.instant());
        Path aside = file.resolveSibling(base);
        for (int n = 2; Files.exists(aside); n++) {
            aside = file.resolveSibling(base + "-" + n);
        }
        try {
            for (String suffix : List.of("-wal", "-shm")) {
                Path companion = file.resolveSibling(file.getFileName() + suffix);
                if (Files.exists(companion)) {
                    Files.move(companion, aside.resolveSibling(aside.getFileName() + suffix));
                }
            }
            Files.move(file, aside);
        } catch (IOException e) {
            SQLException s = new SQLException("node database " + file + " is unreadable (" + why.getMessage()
                    + ") and cannot be moved aside: " + e.getMessage(), e);
            s.addSuppressed(why);
            throw s;
        }
        movedAside.add(aside);
        return aside;
    }

    /**
     * Runs a write; if it finds the file corrupt (someone overwrote it while we run), moves the file aside,
     * starts an empty one and runs the write once more on that.
     *
     * @return true when the store was rebuilt on the way (it then holds only what this write put in)
     */
    private boolean writeRecovering(Write w) throws SQLException {
        try {
            w.run(conn());
            return false;
        } catch (SQLException e) {
            if (!isUnreadable(e)) {
                throw e;
            }
            closeQuietly(connection);
            connection = null;
            Path aside = moveAside(e);
            log.warn("node database {} turned out corrupt while writing ({}); moved it to {} and starting an empty one",
                    file, e.getMessage(), aside.getFileName());
            connection = connect();
            w.run(connection);
            return true;
        }
    }

    @FunctionalInterface
    private interface Write {
        void run(Connection c) throws SQLException;
    }

    /** Everything stored, relays sorted by fingerprint. A corrupt file found here is replaced by an empty one. */
    synchronized StoredDirectory load() throws SQLException {
        try {
            return read(conn());
        } catch (SQLException e) {
            if (!isUnreadable(e)) {
                throw e;
            }
            closeQuietly(connection);
            connection = null;
            Path aside = moveAside(e);
            log.warn("node database {} is unreadable ({}); moved it to {} and starting an empty one", file,
                    e.getMessage(), aside.getFileName());
            connection = connect();
            return StoredDirectory.EMPTY;
        }
    }

    private static StoredDirectory read(Connection c) throws SQLException {
        Map<String, List<String>> addresses = new HashMap<>();
        Map<String, Relay.AddressSource> sources = new HashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT fingerprint, address, source FROM exit_address ORDER BY fingerprint, position")) {
            while (rs.next()) {
                String fp = rs.getString(1);
                addresses.computeIfAbsent(fp, k -> new ArrayList<>()).add(rs.getString(2));
                sources.put(fp, rs.getString(3).equals("or_address")
                        ? Relay.AddressSource.OR_ADDRESS_FALLBACK : Relay.AddressSource.EXIT_ADDRESSES);
            }
        }
        List<Relay> relays = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT fingerprint, nickname, country, country_name, flags, observed_bandwidth,"
                     + " exit_policy_summary, first_seen_s, last_seen_s, running FROM relay ORDER BY fingerprint")) {
            while (rs.next()) {
                String fp = rs.getString(1);
                List<String> addrs = addresses.get(fp);
                if (addrs == null) {
                    continue; // cannot happen through this class: every relay is written with its addresses
                }
                String flags = rs.getString(5);
                long bw = rs.getLong(6);
                Long bandwidth = rs.wasNull() ? null : bw;
                relays.add(new Relay(fp, rs.getString(2), rs.getString(3), rs.getString(4),
                        flags.isEmpty() ? java.util.Set.of() : new LinkedHashSet<>(Arrays.asList(flags.split(" "))),
                        bandwidth, rs.getString(7), instant(rs, 8), instant(rs, 9), rs.getInt(10) == 1, addrs,
                        sources.get(fp)));
            }
        }
        Map<String, String> meta = meta(c);
        return new StoredDirectory(relays, Optional.ofNullable(meta.get(META_LAST_MODIFIED)),
                Optional.ofNullable(meta.get(META_LAST_GOOD_AT)).map(v -> Instant.ofEpochMilli(Long.parseLong(v))));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochSecond(v);
    }

    private static Map<String, String> meta(Connection c) throws SQLException {
        Map<String, String> meta = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT key, value FROM directory_meta")) {
            while (rs.next()) {
                meta.put(rs.getString(1), rs.getString(2));
            }
        }
        return meta;
    }

    /**
     * Replaces the whole directory with {@code doc}'s relays and logs the refresh, in one transaction: a reader
     * sees the old directory or the new one, never a mix, and a failure leaves the old one.
     *
     * @return true when a corrupt file had to be replaced first
     */
    synchronized boolean replace(ParsedDocument doc, Optional<String> lastModified, RefreshOutcome outcome)
            throws SQLException {
        return writeRecovering(c -> transaction(c, () -> {
            try (Statement s = c.createStatement()) {
                s.execute("DELETE FROM exit_address");
                s.execute("DELETE FROM relay");
            }
            try (PreparedStatement r = c.prepareStatement("INSERT INTO relay (fingerprint, nickname, country, country_name,"
                    + " flags, observed_bandwidth, exit_policy_summary, first_seen_s, last_seen_s, running)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement a = c.prepareStatement(
                         "INSERT INTO exit_address (fingerprint, address, source, position) VALUES (?, ?, ?, ?)")) {
                for (Relay relay : doc.relays()) {
                    r.setString(1, relay.fingerprint());
                    r.setString(2, relay.nickname().orElse(null));
                    r.setString(3, relay.country().orElse(null));
                    r.setString(4, relay.countryName().orElse(null));
                    r.setString(5, String.join(" ", relay.flags()));
                    setLong(r, 6, relay.observedBandwidth().isPresent() ? relay.observedBandwidth().getAsLong() : null);
                    r.setString(7, relay.exitPolicySummary().orElse(null));
                    setLong(r, 8, relay.firstSeen().map(Instant::getEpochSecond).orElse(null));
                    setLong(r, 9, relay.lastSeen().map(Instant::getEpochSecond).orElse(null));
                    r.setInt(10, relay.running() ? 1 : 0);
                    r.addBatch();
                    int pos = 0;
                    for (String address : relay.exitAddresses()) {
                        a.setString(1, relay.fingerprint());
                        a.setString(2, address);
                        a.setString(3, relay.addressSource() == Relay.AddressSource.OR_ADDRESS_FALLBACK
                                ? "or_address" : "exit_addresses");
                        a.setInt(4, pos++);
                        a.addBatch();
                    }
                }
                r.executeBatch();
                a.executeBatch();
            }
            putMeta(c, META_LAST_MODIFIED, lastModified.orElse(null));
            putMeta(c, META_RELAYS_PUBLISHED, doc.relaysPublished().orElse(null));
            putMeta(c, META_LAST_GOOD_AT, Long.toString(outcome.startedAt().plus(outcome.duration()).toEpochMilli()));
            insertLog(c, outcome);
        }));
    }

    /** A 304: the stored directory is confirmed current. */
    synchronized boolean confirmUnchanged(RefreshOutcome outcome) throws SQLException {
        return writeRecovering(c -> transaction(c, () -> {
            putMeta(c, META_LAST_GOOD_AT, Long.toString(outcome.startedAt().plus(outcome.duration()).toEpochMilli()));
            insertLog(c, outcome);
        }));
    }

    /** A failed refresh: only the log changes. */
    synchronized void logFailure(RefreshOutcome outcome) throws SQLException {
        writeRecovering(c -> transaction(c, () -> insertLog(c, outcome)));
    }

    /** The newest refresh log entries, newest first. */
    synchronized List<RefreshOutcome> recentLog(int limit) throws SQLException {
        List<RefreshOutcome> out = new ArrayList<>();
        try (PreparedStatement p = conn().prepareStatement("SELECT started_at_ms, outcome, reason, http_status,"
                + " relay_count, skipped, duration_ms, error FROM refresh_log ORDER BY id DESC LIMIT ?")) {
            p.setInt(1, limit);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    String reason = rs.getString(3);
                    String error = rs.getString(8);
                    out.add(new RefreshOutcome(RefreshOutcome.Kind.valueOf(rs.getString(2)),
                            Instant.ofEpochMilli(rs.getLong(1)), Duration.ofMillis(rs.getLong(7)), rs.getInt(4),
                            rs.getInt(5), rs.getInt(6), Optional.ofNullable(reason).map(FailureReason::valueOf),
                            Optional.ofNullable(error)));
                }
            }
        }
        return out;
    }

    private static void insertLog(Connection c, RefreshOutcome o) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO refresh_log (started_at_ms, outcome, reason,"
                + " http_status, relay_count, skipped, duration_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setLong(1, o.startedAt().toEpochMilli());
            p.setString(2, o.kind().name());
            p.setString(3, o.reason().map(Enum::name).orElse(null));
            if (o.httpStatus() > 0) {
                p.setInt(4, o.httpStatus());
            } else {
                p.setNull(4, Types.INTEGER);
            }
            p.setInt(5, o.relayCount());
            p.setInt(6, o.skipped());
            p.setLong(7, o.duration().toMillis());
            p.setString(8, o.error().orElse(null));
            p.executeUpdate();
        }
        try (PreparedStatement p = c.prepareStatement(
                "DELETE FROM refresh_log WHERE id <= (SELECT max(id) FROM refresh_log) - ?")) {
            p.setInt(1, REFRESH_LOG_KEEP);
            p.executeUpdate();
        }
    }

    private static void putMeta(Connection c, String key, String value) throws SQLException {
        if (value == null) {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM directory_meta WHERE key = ?")) {
                p.setString(1, key);
                p.executeUpdate();
            }
            return;
        }
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO directory_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
            p.setString(1, key);
            p.setString(2, value);
            p.executeUpdate();
        }
    }

    private static void setLong(PreparedStatement p, int index, Long value) throws SQLException {
        if (value == null) {
            p.setNull(index, Types.INTEGER);
        } else {
            p.setLong(index, value);
        }
    }

    @FunctionalInterface
    private interface Body {
        void run() throws SQLException;
    }

    private static void transaction(Connection c, Body body) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            body.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            log.debug("closing the node database: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly(connection);
        connection = null;
    }
}
