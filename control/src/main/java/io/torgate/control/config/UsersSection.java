package io.torgate.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.torgate.control.policy.Policies;
import io.torgate.control.policy.RouteDefaults;
import io.torgate.control.policy.UserPolicy;
import io.torgate.control.users.Password;
import io.torgate.control.users.Users;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.UsernameGrammar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the {@code users:} section into the users (passwords) and their policies:
 * <pre>
 * users:
 *   alice:
 *     password: "pbkdf2-sha256$600000$…"   # or the password itself, for development
 *     allowed_countries: [de, nl]           # absent = any country
 *     defaults: {country: de, mode: strict, ttl: 30m}
 *     max_sessions: 10                      # 0 / absent = unlimited
 *     max_tunnels: 100
 * </pre>
 * Default options use the username grammar's keys and values and are checked by the grammar itself.
 */
final class UsersSection {

    static final List<String> USER_KEYS = List.of("password", "allowed_countries", "defaults", "max_sessions",
            "max_tunnels");
    static final List<String> DEFAULT_KEYS = List.of(UsernameGrammar.COUNTRY, UsernameGrammar.EXCLUDE,
            UsernameGrammar.EXIT, UsernameGrammar.MODE, UsernameGrammar.TTL, UsernameGrammar.ROTATE);

    /** The two halves of the section. */
    record Parsed(Users users, Policies policies) {
    }

    /** Reports a problem at a dotted path; the caller prefixes the source. */
    static final class Problem extends Exception {
        Problem(String path, String why) {
            super(path + ": " + why, null, false, false);
        }
    }

    private UsersSection() {
    }

    static Parsed parse(JsonNode users) throws Problem {
        String path = Setting.USERS;
        if (Yaml.isAbsent(users)) {
            throw new Problem(path, "missing; expected a map of user names to their settings");
        }
        if (!users.isObject()) {
            throw new Problem(path, "expected a map of user names, found " + Yaml.kind(users));
        }
        if (users.isEmpty()) {
            // Only meaningful with listen.no_login: true, which the loader checks (it sees both).
            return new Parsed(Users.NONE, Policies.NONE);
        }
        Map<String, Password> passwords = new LinkedHashMap<>();
        Map<String, UserPolicy> policies = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : users.properties()) {
            String name = e.getKey();
            String userPath = path + "." + name;
            checkName(userPath, name);
            JsonNode entry = e.getValue();
            if (Yaml.isAbsent(entry) || !entry.isObject()) {
                throw new Problem(userPath, "expected a map with 'password', found " + Yaml.kind(entry));
            }
            Optional<Yaml.UnknownKey> unknown = Yaml.unknownKey(userPath, entry, USER_KEYS);
            if (unknown.isPresent()) {
                throw new Problem(unknown.get().path(), unknown.get().why());
            }
            passwords.put(name, password(userPath + ".password", entry.get("password")));
            policies.put(name, policy(userPath, entry));
        }
        return new Parsed(Users.of(passwords), Policies.of(policies));
    }

    /** A user must be writable as the USER part of the username grammar, with no options attached. */
    private static void checkName(String path, String name) throws Problem {
        String rule = "a user name is 1 to 64 of A-Z a-z 0-9 _ . (a '-' starts the routing options)";
        try {
            if (!UsernameGrammar.parse(name).user().equals(name)) {
                throw new Problem(path, rule);
            }
        } catch (RouteRequestException e) {
            throw new Problem(path, rule);
        }
    }

    private static Password password(String path, JsonNode node) throws Problem {
        if (Yaml.isAbsent(node)) {
            throw new Problem(path, "missing");
        }
        if (!node.isTextual()) {
            throw new Problem(path, "must be a string; quote it (found " + Yaml.kind(node) + ")");
        }
        try {
            return Password.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new Problem(path, e.getMessage()); // never quotes the value
        }
    }

    private static UserPolicy policy(String path, JsonNode entry) throws Problem {
        Optional<List<String>> allowed = Optional.empty();
        JsonNode allowedNode = entry.get("allowed_countries");
        if (!Yaml.isAbsent(allowedNode)) {
            List<String> codes = countryList(path + ".allowed_countries", allowedNode, false);
            if (codes.isEmpty()) {
                throw new Problem(path + ".allowed_countries", "empty, which would refuse every connection; leave"
                        + " it out to allow any country");
            }
            allowed = Optional.of(codes);
        }
        RouteDefaults defaults = defaults(path + ".defaults", entry.get("defaults"));
        if (allowed.isPresent()) {
            List<String> ok = allowed.get();
            for (int i = 0; i < defaults.countries().size(); i++) {
                String code = defaults.countries().get(i);
                if (!ok.contains(code)) {
                    throw new Problem(path + ".defaults.country", "country " + code + " is not in "
                            + path + ".allowed_countries " + ok);
                }
            }
            if (defaults.countries().isEmpty() && defaults.exitFingerprint().isEmpty()
                    && ok.stream().allMatch(defaults.excluded()::contains)) {
                throw new Problem(path + ".defaults.exclude", "excludes every country in " + path
                        + ".allowed_countries " + ok + ", which would refuse every connection without a country");
            }
        }
        int maxSessions = count(path + ".max_sessions", entry.get("max_sessions"));
        int maxTunnels = count(path + ".max_tunnels", entry.get("max_tunnels"));
        try {
            return new UserPolicy(allowed, defaults, maxSessions, maxTunnels);
        } catch (IllegalArgumentException e) {
            throw new Problem(path, e.getMessage());
        }
    }

    private static int count(String path, JsonNode node) throws Problem {
        if (Yaml.isAbsent(node)) {
            return 0;
        }
        try {
            return (Integer) Setting.Kind.COUNT.parse(node);
        } catch (IllegalArgumentException e) {
            throw new Problem(path, e.getMessage() + " (0 = unlimited)");
        }
    }

    /**
     * Country codes as a YAML list ({@code [de, nl]}) or, where the grammar's form is allowed, {@code de_nl}.
     * Unquoted {@code no} (Norway) reads as a boolean in YAML; the message says to quote it.
     */
    private static List<String> countryList(String path, JsonNode node, boolean grammarForm) throws Problem {
        List<String> codes = new ArrayList<>();
        if (grammarForm && node.isTextual()) {
            String[] parts = node.textValue().split("_", -1);
            for (String part : parts) {
                add(codes, path, part);
            }
            return codes;
        }
        if (!node.isArray()) {
            throw new Problem(path, "expected a list of country codes, e.g. [de, nl], found " + Yaml.kind(node)
                    + booleanHint(node));
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String itemPath = path + "[" + i + "]";
            if (!item.isTextual()) {
                throw new Problem(itemPath, "expected a country code, found " + Yaml.kind(item) + booleanHint(item));
            }
            add(codes, itemPath, item.textValue());
        }
        return codes;
    }

    private static void add(List<String> codes, String path, String text) throws Problem {
        String code;
        try {
            code = Values.country(text);
        } catch (IllegalArgumentException e) {
            throw new Problem(path, e.getMessage());
        }
        if (codes.contains(code)) {
            throw new Problem(path, "'" + code + "' appears twice");
        }
        codes.add(code);
    }

    private static String booleanHint(JsonNode node) {
        return node.isBoolean() ? " (YAML reads unquoted no, yes, on, off as booleans: quote country codes such as"
                + " 'no' for Norway)" : "";
    }

    private static RouteDefaults defaults(String path, JsonNode node) throws Problem {
        if (Yaml.isAbsent(node)) {
            return RouteDefaults.NONE;
        }
        if (!node.isObject()) {
            throw new Problem(path, "expected a map of username options, e.g. {country: de, mode: strict}, found "
                    + Yaml.kind(node));
        }
        if (node.has(UsernameGrammar.SESSION)) {
            throw new Problem(path + "." + UsernameGrammar.SESSION, "there is no default session: it would put every"
                    + " connection of the user into one sticky session; clients choose sessions in the username");
        }
        Optional<Yaml.UnknownKey> unknown = Yaml.unknownKey(path, node, DEFAULT_KEYS);
        if (unknown.isPresent()) {
            throw new Problem(unknown.get().path(), unknown.get().why());
        }
        List<String> countries = List.of();
        List<String> excluded = List.of();
        if (node.has(UsernameGrammar.COUNTRY)) {
            countries = countryList(path + ".country", node.get(UsernameGrammar.COUNTRY), true);
        }
        if (node.has(UsernameGrammar.EXCLUDE)) {
            excluded = countryList(path + ".exclude", node.get(UsernameGrammar.EXCLUDE), true);
        }
        Optional<String> exit = Optional.empty();
        if (node.has(UsernameGrammar.EXIT)) {
            exit = grammar(path, UsernameGrammar.EXIT, node, "").exitFingerprint();
        }
        Optional<io.torgate.gateway.Mode> mode = Optional.empty();
        if (node.has(UsernameGrammar.MODE)) {
            mode = Optional.of(grammar(path, UsernameGrammar.MODE, node, "").mode());
        }
        Optional<java.time.Duration> ttl = Optional.empty();
        if (node.has(UsernameGrammar.TTL)) {
            // The grammar reads ttl only with a session, so it gets one to parse against.
            ttl = Optional.of(grammar(path, UsernameGrammar.TTL, node, "-session-x").ttl());
        }
        boolean rotate = node.has(UsernameGrammar.ROTATE) && grammar(path, UsernameGrammar.ROTATE, node, "").rotateEach();
        try {
            return new RouteDefaults(countries, excluded, exit, mode, ttl, rotate);
        } catch (IllegalArgumentException e) {
            throw new Problem(path, e.getMessage());
        }
    }

    /** One default read by the username grammar, as if a username said {@code KEY-VALUE}. */
    private static RouteRequest grammar(String path, String key, JsonNode defaults, String context) throws Problem {
        JsonNode value = defaults.get(key);
        String keyPath = path + "." + key;
        if (Yaml.isAbsent(value) || !value.isTextual()) {
            throw new Problem(keyPath, "expected a string, found " + Yaml.kind(value));
        }
        String text = value.textValue();
        if (text.isEmpty() || text.contains("-")) {
            throw new Problem(keyPath, "'" + text + "' is not a value for " + key);
        }
        try {
            return UsernameGrammar.parse("u" + context + "-" + key + "-" + text);
        } catch (RouteRequestException e) {
            throw new Problem(keyPath, e.getMessage());
        }
    }
}
