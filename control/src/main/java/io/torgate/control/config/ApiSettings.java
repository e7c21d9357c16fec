package io.torgate.control.config;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The REST API's listener. An empty {@code listen} ({@code off}) = no API. {@code toString()} never shows the token.
 *
 * @param listen where the API listens, if anywhere
 * @param token  the bearer token clients must send; required when {@code listen} is not a loopback address
 */
public record ApiSettings(Optional<InetSocketAddress> listen, Optional<String> token) {

    @Override
    public String toString() {
        return "ApiSettings[listen=" + listen.map(String::valueOf).orElse("off") + ", token="
                + (token.isPresent() ? "(set)" : "(none)") + "]";
    }
}
