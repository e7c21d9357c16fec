package io.torgate.control.cli;

import io.torgate.control.config.Values;
import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code HOST:PORT} or {@code [IPv6]:PORT}; port 0 asks the system for a free port ({@link Values#listenAddress}). */
final class ListenAddressConverter implements ITypeConverter<InetSocketAddress> {

    @Override
    public InetSocketAddress convert(String value) {
        try {
            return Values.listenAddress(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
