package io.torgate.control.config;

import io.torgate.torpool.process.Torrc;
import java.util.List;
import java.util.Locale;

/** Checks the operator's extra torrc lines: {@code Option value}, and never an option torgate manages. */
final class TorrcLines {

    /** Options every instance's torrc sets itself (see the tor-pool's instance torrc); changing them breaks it. */
    static final List<String> MANAGED = List.of("DataDirectory", "SocksPort", "ControlPort", "ControlPortWriteToFile",
            "CookieAuthentication", "CookieAuthFile", "__OwningControllerProcess");

    private TorrcLines() {
    }

    /** {@code [option, value]}; @throws IllegalArgumentException saying what is wrong */
    static String[] split(String line) {
        String trimmed = line.strip();
        int space = indexOfWhitespace(trimmed);
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            throw new IllegalArgumentException("expected a torrc line 'Option value'");
        }
        if (space < 0) {
            throw new IllegalArgumentException("'" + trimmed + "' has no value; expected 'Option value'");
        }
        String option = trimmed.substring(0, space);
        String value = trimmed.substring(space).strip();
        for (String managed : MANAGED) {
            if (managed.toLowerCase(Locale.ROOT).equals(option.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(managed + " is set by torgate for each instance and cannot be"
                        + " changed");
            }
        }
        if (option.startsWith("__")) {
            throw new IllegalArgumentException(option + " is a tor-internal option torgate manages");
        }
        new Torrc().set(option, value); // the same checks the pool applies (no line breaks, a sane name)
        return new String[] {option, value};
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
