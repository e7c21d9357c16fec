package io.torgate.control.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Whole numbers of 0 or more, for limits and thread counts; the message names the value. */
final class CountConverter implements ITypeConverter<Integer> {

    @Override
    public Integer convert(String value) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
        if (n < 0) {
            throw new TypeConversionException("'" + value + "' must be 0 or more");
        }
        return n;
    }
}
