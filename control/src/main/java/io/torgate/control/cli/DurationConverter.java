package io.torgate.control.cli;

import io.torgate.control.config.Values;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Positive durations written as a whole number and a unit: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h};
 * the same grammar as the config file and environment ({@link Values#duration}).
 */
final class DurationConverter implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        try {
            return Values.duration(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** The inverse, for messages and logs: the largest whole unit, e.g. 300 s is {@code 5m}. */
    static String format(Duration d) {
        return Values.format(d);
    }
}
