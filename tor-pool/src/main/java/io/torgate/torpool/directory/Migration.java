package io.torgate.torpool.directory;

import java.util.List;
import java.util.Objects;

/**
 * One step of the store's schema: the SQL that takes a database from {@code version - 1} to {@code version}.
 * Applied in its own transaction together with {@code PRAGMA user_version = version}, so a step is either
 * fully there or not at all.
 */
record Migration(int version, String description, List<String> statements) {

    Migration {
        Objects.requireNonNull(description, "description");
        statements = List.copyOf(statements);
        if (version < 1) {
            throw new IllegalArgumentException("migration versions start at 1, got " + version);
        }
        if (statements.isEmpty()) {
            throw new IllegalArgumentException("migration " + version + " has no statements");
        }
    }
}
