package io.torgate.torpool.testnet;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The Onionoo query parameters this test server understands ({@code type, running, flag, country, lookup,
 * search, fields, limit, offset}), parsed and checked. Like the real service it refuses unknown parameters and
 * bad values with 400; unlike it, the message says which.
 */
record OnionooQuery(Optional<String> type, Optional<Boolean> running, Optional<String> flag, Optional<String> country,
                    Optional<String> lookup, List<String> search, Optional<Set<String>> fields, int limit, int offset) {

    static final Set<String> KNOWN = Set.of("type", "running", "flag", "country", "lookup", "search", "fields",
            "limit", "offset");

    /** A parameter or value this server cannot serve; the message goes into the 400 answer. */
    static final class BadQueryException extends Exception {
        BadQueryException(String message) {
            super(message);
        }
    }

    static OnionooQuery parse(URI uri) throws BadQueryException {
        String type = null;
        Boolean running = null;
        String flag = null;
        String country = null;
        String lookup = null;
        List<String> search = List.of();
        Set<String> fields = null;
        int limit = Integer.MAX_VALUE;
        int offset = 0;
        String raw = uri.getRawQuery();
        Set<String> seen = new LinkedHashSet<>();
        for (String pair : raw == null || raw.isEmpty() ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!KNOWN.contains(key)) {
                throw new BadQueryException("unknown parameter '" + key + "'; this server knows " + new java.util.TreeSet<>(KNOWN));
            }
            if (!seen.add(key)) {
                throw new BadQueryException("parameter '" + key + "' given twice");
            }
            switch (key) {
                case "type" -> {
                    type = value.toLowerCase(Locale.ROOT);
                    if (!type.equals("relay") && !type.equals("bridge")) {
                        throw new BadQueryException("type must be 'relay' or 'bridge', got '" + value + "'");
                    }
                }
                case "running" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new BadQueryException("running must be 'true' or 'false', got '" + value + "'");
                    }
                    running = Boolean.valueOf(v);
                }
                case "flag" -> {
                    if (!value.matches("[A-Za-z0-9]+")) {
                        throw new BadQueryException("flag must be a relay flag such as 'Exit', got '" + value + "'");
                    }
                    flag = value;
                }
                case "country" -> {
                    if (!value.matches("[A-Za-z]{2}")) {
                        throw new BadQueryException("country must be a two-letter code, got '" + value + "'");
                    }
                    country = value.toLowerCase(Locale.ROOT);
                }
                case "lookup" -> {
                    if (!value.matches("[0-9A-Fa-f]{40}")) {
                        throw new BadQueryException("lookup must be a 40-hex fingerprint, got '" + value + "'");
                    }
                    lookup = value.toUpperCase(Locale.ROOT);
                }
                case "search" -> search = List.of(value.strip().split("\\s+"));
                case "fields" -> {
                    fields = new LinkedHashSet<>();
                    for (String f : value.split(",")) {
                        if (!f.isBlank()) {
                            fields.add(f.strip());
                        }
                    }
                }
                case "limit" -> limit = nonNegative(key, value);
                case "offset" -> offset = nonNegative(key, value);
                default -> throw new IllegalStateException(key);
            }
        }
        return new OnionooQuery(Optional.ofNullable(type), Optional.ofNullable(running), Optional.ofNullable(flag),
                Optional.ofNullable(country), Optional.ofNullable(lookup), new ArrayList<>(search),
                Optional.ofNullable(fields), limit, offset);
    }

    private static int nonNegative(String key, String value) throws BadQueryException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new BadQueryException(key + " must be a non-negative whole number, got '" + value + "'");
    }
}
