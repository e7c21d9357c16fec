package io.torgate.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one YAML config file into sourced values. Every key must be known (a typo never silently drops a
 * setting); messages name the file, the dotted key and the reason.
 */
final class ConfigFile {

    /** What one file says. */
    record Contents(Map<String, Sourced> values, Optional<List<String>> extraTorrc,
                    Optional<UsersSection.Parsed> users) {
    }

    private final Path file;
    private final String label;
    private final String source;
    private final boolean settle;

    private ConfigFile(Path file, String label, boolean settle) {
        this.file = file;
        this.label = label;
        this.settle = settle;
        this.source = label + " " + file;
    }

    /** A full config file ({@code --config}); {@code settle}: wait until it stops changing (a reload). */
    static Contents readConfig(Path file, boolean settle) throws ConfigException {
        return new ConfigFile(file, "config file", settle).read(false);
    }

    /** A users file ({@code --users}): only the {@code users:} section, which it must have. */
    static Contents readUsers(Path file, boolean settle) throws ConfigException {
        return new ConfigFile(file, "users file", settle).read(true);
    }

    private Contents read(boolean usersOnly) throws ConfigException {
        JsonNode root = Yaml.read(file, label, settle);
        if (Yaml.isAbsent(root)) {
            if (usersOnly) {
                throw error("", "the file is empty; expected a 'users:' map");
            }
            return new Contents(Map.of(), Optional.empty(), Optional.empty());
        }
        if (!root.isObject()) {
            throw error("", "expected a map of settings, found " + Yaml.kind(root));
        }
        Set<String> topKeys = usersOnly ? Set.of(Setting.USERS) : topLevelKeys();
        checkKeys("", root, topKeys);

        Map<String, Sourced> values = new LinkedHashMap<>();
        if (!usersOnly) {
            for (Map.Entry<String, JsonNode> top : root.properties()) {
                String key = top.getKey();
                JsonNode node = top.getValue();
                if (key.equals(Setting.USERS)) {
                    continue;
                }
                if (Setting.byKey(key).isPresent()) {
                    scalar(values, Setting.byKey(key).get(), node);
                    continue;
                }
                section(values, key, node);
            }
        }
        Optional<List<String>> torrc = usersOnly ? Optional.empty() : extraTorrc(root.path("pool"));
        Optional<UsersSection.Parsed> users = Optional.empty();
        if (root.has(Setting.USERS) || usersOnly) {
            try {
                users = Optional.of(UsersSection.parse(root.get(Setting.USERS)));
            } catch (UsersSection.Problem p) {
                throw new ConfigException(source + ": " + p.getMessage());
            }
        }
        return new Contents(values, torrc, users);
    }

    private void section(Map<String, Sourced> values, String name, JsonNode node) throws ConfigException {
        if (Yaml.isAbsent(node)) {
            return; // "limits:" with nothing under it: no settings, like leaving it out
        }
        if (!node.isObject()) {
            throw error(name, "expected a map, found " + Yaml.kind(node));
        }
        checkKeys(name, node, sectionKeys(name));
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String key = name + "." + e.getKey();
            Optional<Setting> setting = Setting.byKey(key);
            if (setting.isPresent()) {
                scalar(values, setting.get(), e.getValue());
            }
        }
    }

    private void scalar(Map<String, Sourced> values, Setting setting, JsonNode node) throws ConfigException {
        if (Yaml.isAbsent(node)) {
            throw error(setting.key(), "no value; give " + setting.kind().what() + " or leave the key out");
        }
        try {
            values.put(setting.key(), new Sourced(setting.kind().parse(node), source, source + ": " + setting.key()));
        } catch (IllegalArgumentException e) {
            throw error(setting.key(), e.getMessage());
        }
    }

    private Optional<List<String>> extraTorrc(JsonNode pool) throws ConfigException {
        JsonNode node = pool.get("extra_torrc");
        if (Yaml.isAbsent(node)) {
            return Optional.empty();
        }
        if (!node.isArray()) {
            throw error(Setting.EXTRA_TORRC, "expected a list of torrc lines, e.g. [\"NumEntryGuards 2\"], found "
                    + Yaml.kind(node));
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode line = node.get(i);
            String path = Setting.EXTRA_TORRC + "[" + i + "]";
            if (!line.isTextual()) {
                throw error(path, "expected a torrc line 'Option value', found " + Yaml.kind(line));
            }
            try {
                TorrcLines.split(line.textValue());
            } catch (IllegalArgumentException e) {
                throw error(path, e.getMessage());
            }
            lines.add(line.textValue());
        }
        return Optional.of(lines);
    }

    private void checkKeys(String path, JsonNode map, Set<String> known) throws ConfigException {
        Optional<Yaml.UnknownKey> unknown = Yaml.unknownKey(path, map, known);
        if (unknown.isPresent()) {
            throw error(unknown.get().path(), unknown.get().why());
        }
    }

    /** upstream, listen, api, users, pool, directory, limits, logging: from the settings list. */
    static Set<String> topLevelKeys() {
        Set<String> keys = new LinkedHashSet<>();
        for (Setting s : Setting.ALL) {
            int dot = s.key().indexOf('.');
            keys.add(dot < 0 ? s.key() : s.key().substring(0, dot));
            if (s.key().startsWith("api.")) {
                keys.add(Setting.USERS); // users come after listen and api, as in the example file
            }
        }
        return keys;
    }

    static Set<String> sectionKeys(String section) {
        Set<String> keys = new LinkedHashSet<>();
        for (Setting s : Setting.ALL) {
            if (s.key().startsWith(section + ".")) {
                keys.add(s.key().substring(section.length() + 1));
            }
        }
        if (Setting.EXTRA_TORRC.startsWith(section + ".")) {
            keys.add(Setting.EXTRA_TORRC.substring(section.length() + 1));
        }
        return keys;
    }

    private ConfigException error(String path, String why) {
        return new ConfigException(source + (path.isEmpty() ? "" : ": " + path) + ": " + why);
    }
}
