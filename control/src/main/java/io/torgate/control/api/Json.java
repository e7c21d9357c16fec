package io.torgate.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** The API's one JSON mapper (snake_case field names) and helpers to read request bodies strictly. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

    private Json() {
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the response as JSON", e);
        }
    }

    /** The body as a JSON object; 400 naming the problem when it is empty, not JSON, or not an object. */
    static JsonNode object(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest("missing_body", "this endpoint needs a JSON object in the request body");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("bad_json", "the body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("bad_json", "the body must be a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return node;
    }

    /** 400 naming the first field the endpoint does not know (a typo must not be silently ignored). */
    static void onlyFields(JsonNode object, Set<String> allowed) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                unknown.add(f);
            }
        }
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("bad_value", "unknown field '" + unknown.get(0) + "'; expected "
                    + String.join(", ", allowed.stream().sorted().toList()));
        }
    }

    /** An integer field, or 400 naming the field and the value. */
    static int intField(JsonNode object, String field) {
        JsonNode v = object.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.badRequest("bad_value", "'" + field + "' must be a whole number, got "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.intValue();
    }

    /** A string field, or 400 naming the field and the value. */
    static String stringField(JsonNode object, String field) {
        JsonNode v = object.get(field);
        if (v == null || !v.isTextual()) {
            throw ApiException.badRequest("bad_value", "'" + field + "' must be a string, got "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.textValue();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
