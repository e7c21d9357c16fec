package io.torgate.control.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Reading YAML for the config: the tree, errors that never quote the file's text, unknown-key checks. */
final class Yaml {

    private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Yaml() {
    }

    /**
     * The file's tree (null or a missing node for an empty file).
     *
     * @param settle read only once the file has stopped changing (see {@link SettledFile}), as a reload does
     */
    static JsonNode read(Path file, String label, boolean settle) throws ConfigException {
        try {
            return MAPPER.readTree(settle ? SettledFile.read(file) : Files.readAllBytes(file));
        } catch (SettledFile.StillChanging e) {
            throw new ConfigException(label + " " + file + ": " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new ConfigException(label + " " + file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new ConfigException(label + " " + file + ": not valid YAML: " + describe(e));
        } catch (IOException e) {
            throw new ConfigException(label + " " + file + ": cannot read: " + e.getMessage());
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

    /** A key the config does not know: where it is and what to say. */
    record UnknownKey(String path, String why) {
    }

    /** The first key of {@code map} not in {@code known}, with a suggestion when a known key is close. */
    static java.util.Optional<UnknownKey> unknownKey(String path, JsonNode map, Collection<String> known) {
        for (Map.Entry<String, JsonNode> property : map.properties()) {
            String key = property.getKey();
            if (!known.contains(key)) {
                String where = path.isEmpty() ? key : path + "." + key;
                String suggestion = Suggestions.closest(key, known).map(k -> "did you mean " + k + "? ").orElse("");
                return java.util.Optional.of(new UnknownKey(where, "unknown key; " + suggestion + "expected one of "
                        + String.join(", ", known)));
            }
        }
        return java.util.Optional.empty();
    }

    static boolean isAbsent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    static String kind(JsonNode node) {
        if (isAbsent(node)) {
            return "nothing";
        }
        if (node.isObject()) {
            return "a map";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isTextual()) {
            return "a string";
        }
        return "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
