package io.torgate.torpool.control;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One control-protocol line split into positional arguments and {@code KEY=VALUE} keyword arguments
 * (control-spec §2.1 / §4.1), with QuotedString values unescaped. Lenient on purpose: tor adds keywords
 * between versions, and a surprising line must yield what can be read rather than an exception on the
 * jtorctl reader thread.
 */
final class ControlLine {

    /** A keyword argument starts with a name then '='. Old-style path hops ({@code $FP=nick}) start with '$'. */
    private static final Pattern KEYWORD = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*=.*", Pattern.DOTALL);

    private final List<String> args;
    private final Map<String, String> keywords;

    private ControlLine(List<String> args, Map<String, String> keywords) {
        this.args = Collections.unmodifiableList(args);
        this.keywords = Collections.unmodifiableMap(keywords);
    }

    static ControlLine parse(String line) {
        List<String> args = new ArrayList<>();
        Map<String, String> keywords = new LinkedHashMap<>();
        String s = line == null ? "" : line.strip();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            if (s.charAt(i) == '"') {
                int[] end = new int[1];
                args.add(unquote(s, i, end));
                i = end[0];
                continue;
            }
            int tokenEnd = s.indexOf(' ', i);
            String token = s.substring(i, tokenEnd < 0 ? n : tokenEnd);
            if (KEYWORD.matcher(token).matches()) {
                int eq = s.indexOf('=', i);
                String key = s.substring(i, eq).toUpperCase(java.util.Locale.ROOT);
                int valueStart = eq + 1;
                if (valueStart < n && s.charAt(valueStart) == '"') {
                    int[] end = new int[1];
                    keywords.put(key, unquote(s, valueStart, end));
                    i = end[0];
                } else {
                    int valueEnd = s.indexOf(' ', valueStart);
                    keywords.put(key, s.substring(valueStart, valueEnd < 0 ? n : valueEnd));
                    i = valueEnd < 0 ? n : valueEnd;
                }
            } else {
                args.add(token);
                i = tokenEnd < 0 ? n : tokenEnd;
            }
        }
        return new ControlLine(args, keywords);
    }

    /**
     * Reads a QuotedString starting at {@code s[start] == '"'}; stores the index after the closing quote in
     * {@code end[0]}. Handles C escapes (\\ \" \' \n \r \t and octal); an unterminated string runs to the end.
     */
    static String unquote(String s, int start, int[] end) {
        StringBuilder out = new StringBuilder();
        int i = start + 1;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"') {
                end[0] = i + 1;
                return out.toString();
            }
            if (c == '\\' && i + 1 < n) {
                char e = s.charAt(i + 1);
                if (e >= '0' && e <= '7') {
                    int j = i + 1;
                    int value = 0;
                    while (j < n && j < i + 4 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                        value = value * 8 + (s.charAt(j) - '0');
                        j++;
                    }
                    out.append((char) value);
                    i = j;
                    continue;
                }
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    default -> out.append(e); // \\ \" \' and anything else stands for itself
                }
                i += 2;
                continue;
            }
            out.append(c);
            i++;
        }
        end[0] = n;
        return out.toString();
    }

    List<String> args() {
        return args;
    }

    /** The i-th positional argument, or empty when the line is shorter. */
    Optional<String> arg(int i) {
        return i < args.size() ? Optional.of(args.get(i)) : Optional.empty();
    }

    Map<String, String> keywords() {
        return keywords;
    }

    Optional<String> keyword(String key) {
        return Optional.ofNullable(keywords.get(key));
    }
}
