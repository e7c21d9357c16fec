package io.torgate.control.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settings from {@code TORGATE_…} environment variables (see {@link Setting#ALL} for the names). The
 * environment is passed in as a map, never read here, so tests do not touch the real one. An empty variable
 * counts as unset. A {@code TORGATE_} variable that names no setting is logged (with a suggestion), not an
 * error: the environment is shared with other programs.
 */
final class EnvironmentSource {

    private static final Logger log = LoggerFactory.getLogger(EnvironmentSource.class);

    private EnvironmentSource() {
    }

    static Map<String, Sourced> read(Map<String, String> env) throws ConfigException {
        Map<String, Sourced> values = new LinkedHashMap<>();
        for (Setting s : Setting.ALL) {
            String text = env.get(s.env());
            if (text == null || text.isEmpty()) {
                continue;
            }
            String source = "environment variable " + s.env();
            String where = source + " (" + s.key() + ")";
            try {
                values.put(s.key(), new Sourced(s.kind().parse(text), source, where));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ": " + e.getMessage());
            }
        }
        warnAboutUnknown(env);
        return values;
    }

    private static void warnAboutUnknown(Map<String, String> env) {
        List<String> known = new java.util.ArrayList<>(Setting.ALL.stream().map(Setting::env).toList());
        known.add(Setting.CONFIG_ENV);
        for (String name : env.keySet()) {
            if (name.startsWith("TORGATE_") && !known.contains(name)) {
                Optional<String> close = Suggestions.closest(name, known);
                log.warn("environment variable {} is not a torgate setting{}; ignored", name,
                        close.map(c -> " (did you mean " + c + "?)").orElse(""));
            }
        }
    }
}
