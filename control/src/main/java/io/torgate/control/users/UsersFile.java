package io.torgate.control.users;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.RouteRequestException;
import io.torgate.gateway.UsernameGrammar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a users file:
 * <pre>
 * users:
 *   alice:
 *     password: secret
 * </pre>
 * Each user is a map so that per-user settings (allowed countries, password hashes, limits) can join
 * {@code password} later. Unknown keys are errors, so a typo never silently drops a setting. Messages name
 * the file, the key path and the reason, and never include a password or a line of the file.
 */
public final class UsersFile {

    private static final List<String> TOP_LEVEL_KEYS = List.of("users");
    private static final List<String> USER_KEYS = List.of("password");
    /** RFC 1929 carries at most 255 bytes of password. */
    private static final int MAX_PASSWORD_BYTES = 255;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private UsersFile() {
    }

    public static Users load(Path file) throws UsersFileException {
        JsonNode root = parse(file);
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw error(file, "", "the file is empty; expected a 'users:' map");
        }
        if (!root.isObject()) {
            throw error(file, "", "expected a map with the key 'users', found " + kind(root));
        }
        checkKeys(file, "", root, TOP_LEVEL_KEYS);
        JsonNode users = root.get("users");
        if (users == null || users.isNull()) {
            throw error(file, "users", "missing; expected a map of user names to their settings");
        }
        if (!users.isObject()) {
            throw error(file, "users", "expected a map of user names, found " + kind(users));
        }
        if (users.isEmpty()) {
            throw error(file, "users", "no users defined");
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : users.properties()) {
            String name = e.getKey();
            String path = "users." + name;
            checkName(file, path, name);
            JsonNode entry = e.getValue();
            if (entry == null || !entry.isObject()) {
                throw error(file, path, "expected a map with 'password', found " + kind(entry));
            }
            checkKeys(file, path, entry, USER_KEYS);
            passwords.put(name, password(file, path + ".password", entry.get("password")));
        }
        return Users.of(passwords);
    }

    private static JsonNode parse(Path file) throws UsersFileException {
        try {
            return YAML.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new UsersFileException("users file " + file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new UsersFileException("users file " + file + ": not valid YAML: " + describe(e));
        } catch (IOException e) {
            throw new UsersFileException("users file " + file + ": cannot read: " + e.getMessage());
        }
    }

    /** Where and what, without the file's text (SnakeYAML's own message quotes the line, maybe a password). */
    private static String describe(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            return "line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1)
                    + ": " + m.getProblem();
        }
        JsonLocation at = e.getLocation();
        String firstLine = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
        return (at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ") + firstLine;
    }

    private static void checkKeys(Path file, String path, JsonNode map, List<String> known) throws UsersFileException {
        for (Map.Entry<String, JsonNode> property : map.properties()) {
            String key = property.getKey();
            if (!known.contains(key)) {
                throw error(file, path.isEmpty() ? key : path + "." + key,
                        "unknown key; expected " + String.join(", ", known));
            }
        }
    }

    /** A user must be writable as the USER part of the username grammar, with no options attached. */
    private static void checkName(Path file, String path, String name) throws UsersFileException {
        String rule = "a user name is 1 to 64 of A-Z a-z 0-9 _ . (a '-' starts the routing options)";
        try {
            RouteRequest r = UsernameGrammar.parse(name);
            if (!r.user().equals(name)) {
                throw error(file, path, rule);
            }
        } catch (RouteRequestException e) {
            throw error(file, path, rule);
        }
    }

    private static String password(Path file, String path, JsonNode node) throws UsersFileException {
        if (node == null || node.isNull()) {
            throw error(file, path, "missing");
        }
        if (!node.isTextual()) {
            throw error(file, path, "must be a string; quote it (found " + kind(node) + ")");
        }
        String password = node.textValue();
        if (password.isEmpty()) {
            throw error(file, path, "must not be empty");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            throw error(file, path, "longer than " + MAX_PASSWORD_BYTES + " bytes, the SOCKS5 limit");
        }
        return password;
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isNull()) {
            return "nothing";
        }
        if (node.isObject()) {
            return "a map";
        }
        if (node.isArray()) {
            return "a list";
        }
        return node.isTextual() ? "a string" : "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static UsersFileException error(Path file, String path, String why) {
        return new UsersFileException("users file " + file + (path.isEmpty() ? "" : ": " + path) + ": " + why);
    }
}
