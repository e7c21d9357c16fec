package io.torgate.control.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the {@link TorgateConfig} from its sources, highest precedence first:
 * <ol>
 *   <li>command-line flags (and {@code --users FILE}, which replaces the config file's {@code users:});</li>
 *   <li>{@code TORGATE_…} environment variables;</li>
 *   <li>the config file ({@code --config FILE}, else the file {@code $TORGATE_CONFIG} names);</li>
 *   <li>defaults.</li>
 * </ol>
 * A loader keeps its inputs, so {@link #load()} again (a reload) re-reads the files under the same flags and
 * environment. Immutable and thread-safe.
 */
public final class ConfigLoader {

    private final Optional<Path> configFile;
    private final Optional<Path> usersFile;
    private final Map<String, String> env;
    private final Map<String, Sourced> flags;
    private final Path home;

    private ConfigLoader(Builder b) {
        String fromEnv = b.env.get(Setting.CONFIG_ENV);
        this.configFile = Optional.ofNullable(b.configFile)
                .or(() -> Optional.ofNullable(fromEnv).filter(s -> !s.isEmpty()).map(Path::of));
        this.usersFile = Optional.ofNullable(b.usersFile);
        this.env = Map.copyOf(b.env);
        this.flags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.flags));
        this.home = b.home;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<Path> configFile() {
        return configFile;
    }

    public Optional<Path> usersFile() {
        return usersFile;
    }

    /** Reads the files now and builds the config. @throws ConfigException naming the source, key and reason */
    public TorgateConfig load() throws ConfigException {
        return load(false);
    }

    /**
     * As {@link #load()}, but reads each file only once it has stopped changing, so a reload never acts on a
     * file still being written (a file cut at a line end still parses). Waits up to
     * {@link SettledFile#MAX_WAIT}; usually {@link SettledFile#SETTLE} after the last write.
     */
    public TorgateConfig loadSettled() throws ConfigException {
        return load(true);
    }

    private TorgateConfig load(boolean settle) throws ConfigException {
        Map<String, Sourced> merged = new LinkedHashMap<>();
        Optional<UsersSection.Parsed> users = Optional.empty();
        Optional<List<String>> extraTorrc = Optional.empty();
        if (configFile.isPresent()) {
            ConfigFile.Contents file = ConfigFile.readConfig(configFile.get(), settle);
            merged.putAll(file.values());
            users = file.users();
            extraTorrc = file.extraTorrc();
        }
        merged.putAll(EnvironmentSource.read(env));
        merged.putAll(flags);
        if (usersFile.isPresent()) {
            users = ConfigFile.readUsers(usersFile.get(), settle).users();
        }

        TorgateConfig.Builder b = TorgateConfig.builder();
        if (!merged.containsKey("pool.state_dir")) {
            b.stateDir(defaultStateDir());
        }
        for (Map.Entry<String, Sourced> e : merged.entrySet()) {
            Setting setting = Setting.byKey(e.getKey())
                    .orElseThrow(() -> new IllegalArgumentException("no setting " + e.getKey()));
            try {
                setting.apply().accept(b, e.getValue().value());
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(e.getValue().where() + ": " + ex.getMessage());
            }
        }
        extraTorrc.ifPresent(b::extraTorrc);
        if (users.isPresent() && !users.get().users().usersConfigured() && !noLogin(merged)) {
            throw new ConfigException(usersSource() + ": " + Setting.USERS + ": no users defined; to serve without"
                    + " login on purpose also set listen.no_login: true (loopback listeners only)");
        }
        users.ifPresent(u -> b.users(u.users(), u.policies()));
        try {
            return b.build();
        } catch (IllegalArgumentException ex) {
            throw new ConfigException(sourceOf(ex.getMessage(), merged) + ex.getMessage());
        }
    }

    private static boolean noLogin(Map<String, Sourced> merged) {
        Sourced s = merged.get("listen.no_login");
        return s != null && Boolean.TRUE.equals(s.value());
    }

    /** The file the users come from, for messages. */
    private String usersSource() {
        return usersFile.map(p -> "users file " + p).orElseGet(() -> "config file " + configFile.orElseThrow());
    }

    /** The state directory when none is set: $XDG_STATE_HOME/torgate, else ~/.local/state/torgate. */
    Path defaultStateDir() {
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".local").resolve("state");
        return base.resolve("torgate").toAbsolutePath();
    }

    /**
     * Where to fix a conflict: the source of the set key the message names first (e.g. "config file X: "), or
     * "invalid configuration: " when only defaults are involved.
     */
    private static String sourceOf(String message, Map<String, Sourced> merged) {
        Sourced first = null;
        int at = Integer.MAX_VALUE;
        for (Map.Entry<String, Sourced> e : merged.entrySet()) {
            int i = message.indexOf(e.getKey());
            if (i >= 0 && i < at) {
                at = i;
                first = e.getValue();
            }
        }
        return first == null ? "invalid configuration: " : first.source() + ": ";
    }

    @Override
    public String toString() {
        return "ConfigLoader[config=" + configFile.map(Path::toString).orElse("none") + ", users="
                + usersFile.map(Path::toString).orElse("none") + ", flags=" + flags.keySet() + "]";
    }

    public static final class Builder {
        private Path configFile;
        private Path usersFile;
        private Map<String, String> env = Map.of();
        private final Map<String, Sourced> flags = new LinkedHashMap<>();
        private Path home = Path.of(System.getProperty("user.home"));

        private Builder() {
        }

        public Builder configFile(Path file) {
            this.configFile = file;
            return this;
        }

        public Builder usersFile(Path file) {
            this.usersFile = file;
            return this;
        }

        /** The process environment (tests pass their own map). */
        public Builder env(Map<String, String> env) {
            this.env = Objects.requireNonNull(env, "env");
            return this;
        }

        /** A value from a command-line flag for the setting with this dotted key. */
        public Builder flag(String key, Object value, String flag) {
            if (Setting.byKey(key).isEmpty()) {
                throw new IllegalArgumentException("no setting " + key);
            }
            flags.put(key, Sourced.flag(value, flag));
            return this;
        }

        /** The home directory, for the default state directory. */
        public Builder home(Path home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        public ConfigLoader build() {
            return new ConfigLoader(this);
        }
    }
}
