package io.torgate.control.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Whole numbers of 1 or more (sizes that cannot be zero); the message names the value. */
final class PositiveCountConverter implements ITypeConverter<Integer> {

    private final CountConverter counts = new CountConverter();

    @Override
    public Integer convert(String value) {
        int n = counts.convert(value);
        if (n < 1) {
            throw new TypeConversionException("'" + value + "' must be 1 or more");
        }
        return n;
    }
}
