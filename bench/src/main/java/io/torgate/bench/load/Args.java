package io.torgate.bench.load;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} command-line options, with errors that name the bad option. */
final class Args {

    private final List<String> args;

    Args(String[] args) {
        this.args = List.of(args);
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
        }
    }

    String string(String name, String fallback) {
        List<String> all = all(name);
        return all.isEmpty() ? fallback : all.get(all.size() - 1);
    }

    List<String> all(String name) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 2) {
            if (args.get(i).equals(name)) {
                values.add(args.get(i + 1));
            }
        }
        return values;
    }

    /** Every {@code --note KEY=VALUE}, in order: free text a run records with its results. */
    Map<String, String> notes() {
        Map<String, String> notes = new LinkedHashMap<>();
        for (String note : all("--note")) {
            int eq = note.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--note: expected KEY=VALUE, got '" + note + "'");
            }
            notes.put(note.substring(0, eq), note.substring(eq + 1));
        }
        return notes;
    }

    int integer(String name, int fallback) {
        String v = string(name, null);
        try {
            return v == null ? fallback : Integer.parseInt(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not a whole number: '" + v + "'");
        }
    }

    Duration duration(String name, Duration fallback) {
        String v = string(name, null);
        return v == null ? fallback : parseDuration(name, v);
    }

    InetSocketAddress address(String name, String fallback) {
        String v = string(name, fallback);
        return v == null ? null : parseAddress(name, v);
    }

    static Duration parseDuration(String name, String v) {
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException(name + ": expected a duration like 500ms or 3s, got '" + v + "'");
    }

    static InetSocketAddress parseAddress(String name, String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(name + ": expected HOST:PORT, got '" + v + "'");
        }
        try {
            return new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": expected HOST:PORT, got '" + v + "'");
        }
    }

    static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
