package io.torgate.torpool.directory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's schema history, applied in order on open. The database's {@code PRAGMA user_version} is the
 * number of the last step applied (0 for a new file). Steps are never edited once released: a change is a
 * new step at the end.
 */
final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    /** The schema of this version of torgate. */
    static final List<Migration> ALL = List.of(
            new Migration(1, "relays, their exit addresses, refresh log, metadata", List.of(
                    """
                    CREATE TABLE relay (
                      fingerprint TEXT PRIMARY KEY CHECK (length(fingerprint) = 40),
                      nickname TEXT,
                      country TEXT CHECK (country IS NULL OR length(country) = 2),
                      country_name TEXT,
                      flags TEXT NOT NULL,                -- space-separated consensus flags
                      observed_bandwidth INTEGER,         -- bytes/s
                      exit_policy_summary TEXT,           -- JSON object as Onionoo sent it
                      first_seen_s INTEGER,               -- epoch seconds, UTC
                      last_seen_s INTEGER,
                      running INTEGER NOT NULL CHECK (running IN (0, 1))
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE exit_address (
                      fingerprint TEXT NOT NULL REFERENCES relay (fingerprint) ON DELETE CASCADE,
                      address TEXT NOT NULL,
                      source TEXT NOT NULL CHECK (source IN ('exit_addresses', 'or_address')),
                      position INTEGER NOT NULL,
                      PRIMARY KEY (fingerprint, address)
                    ) WITHOUT ROWID""",
                    // "Which exit did this traffic leave from?" is asked by address.
                    "CREATE INDEX exit_address_by_address ON exit_address (address)",
                    "CREATE INDEX relay_by_country ON relay (country)",
                    """
                    CREATE TABLE refresh_log (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      started_at_ms INTEGER NOT NULL,
                      outcome TEXT NOT NULL CHECK (outcome IN ('REFRESHED', 'UNCHANGED', 'FAILED')),
                      reason TEXT,
                      http_status INTEGER,
                      relay_count INTEGER NOT NULL,
                      skipped INTEGER NOT NULL,
                      duration_ms INTEGER NOT NULL,
                      error TEXT
                    )""",
                    """
                    CREATE TABLE directory_meta (
                      key TEXT PRIMARY KEY,
                      value TEXT NOT NULL
                    ) WITHOUT ROWID""")));

    private Migrations() {
    }

    /** A database written by a newer torgate: its schema is unknown to us. */
    static final class UnknownVersionException extends SQLException {
        UnknownVersionException(String message) {
            super(message);
        }
    }

    static int latest(List<Migration> steps) {
        return steps.isEmpty() ? 0 : steps.get(steps.size() - 1).version();
    }

    /**
     * Brings the database up to the last step of {@code steps}, one transaction per step.
     *
     * @return the version before
     * @throws UnknownVersionException when the file's version is above the last known step
     */
    static int apply(Connection c, List<Migration> steps) throws SQLException {
        check(steps);
        int current = userVersion(c);
        int latest = latest(steps);
        if (current > latest) {
            throw new UnknownVersionException("the node database has schema version " + current
                    + ", newer than the " + latest + " this torgate knows");
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (Migration m : steps) {
                if (m.version() <= current) {
                    continue;
                }
                try (Statement s = c.createStatement()) {
                    for (String sql : m.statements()) {
                        s.execute(sql);
                    }
                    s.execute("PRAGMA user_version = " + m.version());
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw new SQLException("schema migration " + m.version() + " (" + m.description() + ") failed: "
                            + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
                }
                log.debug("node database migrated to schema version {} ({})", m.version(), m.description());
            }
        } finally {
            c.setAutoCommit(auto);
        }
        return current;
    }

    static int userVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Versions must run 1, 2, 3, ... so a missing or repeated step is a bug found at once. */
    private static void check(List<Migration> steps) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).version() != i + 1) {
                throw new IllegalStateException("migration #" + i + " has version " + steps.get(i).version()
                        + ", expected " + (i + 1));
            }
        }
    }
}
