package io.torgate.control.cli;

import io.torgate.control.Upstream;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

final class UpstreamConverter implements ITypeConverter<Upstream> {

    @Override
    public Upstream convert(String value) {
        try {
            return Upstream.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
