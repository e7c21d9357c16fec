package io.torgate.torpool.directory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/** Immutable settings of a {@link NodeDirectory}, made with {@link #builder()}; values are checked when set. */
public final class NodeDirectoryConfig {

    /** The public Onionoo service. */
    public static final URI DEFAULT_BASE_URL = URI.create("https://onionoo.torproject.org");
    /** The SQLite file inside the state directory. */
    public static final String DB_FILE_NAME = "nodes.db";

    private final URI baseUrl;
    private final Path stateDir;
    private final Duration refreshInterval;
    private final Duration retryInterval;
    private final Duration httpTimeout;
    private final long maxBodyBytes;
    private final DirectoryListener listener;
    private final Clock clock;

    private NodeDirectoryConfig(Builder b) {
        this.baseUrl = b.baseUrl;
        this.stateDir = Objects.requireNonNull(b.stateDir, "stateDir is required").toAbsolutePath().normalize();
        this.refreshInterval = b.refreshInterval;
        this.retryInterval = b.retryInterval;
        this.httpTimeout = b.httpTimeout;
        this.maxBodyBytes = b.maxBodyBytes;
        this.listener = b.listener;
        this.clock = b.clock;
        if (retryInterval.compareTo(refreshInterval) > 0) {
            throw new IllegalArgumentException("retryInterval " + retryInterval + " is longer than refreshInterval "
                    + refreshInterval);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Onionoo's base URL, without a trailing slash; the document is {@code baseUrl + "/details?..."}. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** Directory holding {@value #DB_FILE_NAME}. */
    public Path stateDir() {
        return stateDir;
    }

    public Path dbFile() {
        return stateDir.resolve(DB_FILE_NAME);
    }

    /** Time between scheduled refreshes after a success (default 30 min; Onionoo updates hourly). */
    public Duration refreshInterval() {
        return refreshInterval;
    }

    /**
     * First retry after a failed automatic refresh (default 1 min); doubles per automatic failure in a row up to
     * the refresh interval. Failed manual refreshes ({@link NodeDirectory#refreshNow()}) do not count and leave
     * the scheduled automatic refresh where it is.
     */
    public Duration retryInterval() {
        return retryInterval;
    }

    /** Limit for one whole fetch: connect, headers and body (default 60 s). */
    public Duration httpTimeout() {
        return httpTimeout;
    }

    /** Largest body accepted, both as sent and after gunzip (default 32 MiB). */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    public DirectoryListener listener() {
        return listener;
    }

    public Clock clock() {
        return clock;
    }

    public static final class Builder {
        private URI baseUrl = DEFAULT_BASE_URL;
        private Path stateDir;
        private Duration refreshInterval = Duration.ofMinutes(30);
        private Duration retryInterval = Duration.ofMinutes(1);
        private Duration httpTimeout = Duration.ofSeconds(60);
        private long maxBodyBytes = 32L * 1024 * 1024;
        private DirectoryListener listener = DirectoryListener.NONE;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** An http or https URL with a host and no query or fragment; a trailing slash is dropped. */
        public Builder baseUrl(URI url) {
            Objects.requireNonNull(url, "baseUrl");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("baseUrl must be http or https, got '" + url + "'");
            }
            if (url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null) {
                throw new IllegalArgumentException("baseUrl needs a host and no query or fragment, got '" + url + "'");
            }
            String s = url.toString();
            while (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            this.baseUrl = URI.create(s);
            return this;
        }

        public Builder baseUrl(String url) {
            URI parsed;
            try {
                parsed = URI.create(Objects.requireNonNull(url, "baseUrl"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("baseUrl is not a URL: '" + url + "'", e);
            }
            return baseUrl(parsed);
        }

        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, "stateDir");
            return this;
        }

        public Builder refreshInterval(Duration d) {
            this.refreshInterval = atLeast("refreshInterval", d, Duration.ofSeconds(1));
            return this;
        }

        public Builder retryInterval(Duration d) {
            this.retryInterval = atLeast("retryInterval", d, Duration.ofMillis(100));
            return this;
        }

        public Builder httpTimeout(Duration d) {
            this.httpTimeout = atLeast("httpTimeout", d, Duration.ofMillis(100));
            return this;
        }

        public Builder maxBodyBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        public Builder listener(DirectoryListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The clock for {@link NodeDirectory#age()} and the refresh log (tests may pass a fixed one). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public NodeDirectoryConfig build() {
            return new NodeDirectoryConfig(this);
        }

        private static Duration atLeast(String name, Duration d, Duration min) {
            Objects.requireNonNull(d, name);
            if (d.compareTo(min) < 0) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", got " + d);
            }
            return d;
        }
    }
}
