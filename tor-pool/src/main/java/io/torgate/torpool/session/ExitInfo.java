package io.torgate.torpool.session;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An exit relay as a session knows it: its identity from tor's circuit events, its address and country from
 * the node directory, and the circuit that carried the session's latest connection.
 *
 * @param fingerprint 40 upper-case hex digits
 * @param nickname    from tor's events or the directory, if known
 * @param address     the exit address the directory lists (the IP destinations see), if known
 * @param country     lower-case ISO 3166-1 code from the directory, if known
 * @param circuitId   tor's id of the circuit on the session's instance; empty until a connection used the exit
 * @param circuitPath the circuit's hops as {@code $FINGERPRINT~nickname}, guard first, exit last; empty until known
 */
public record ExitInfo(String fingerprint, Optional<String> nickname, Optional<String> address,
                       Optional<String> country, Optional<String> circuitId, List<String> circuitPath) {

    public ExitInfo {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(nickname, "nickname");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(country, "country");
        Objects.requireNonNull(circuitId, "circuitId");
        circuitPath = List.copyOf(circuitPath);
    }

    /** {@code nickname ($FINGERPRINT)} or just the fingerprint: for messages. */
    public String label() {
        return nickname.map(n -> n + " ($" + fingerprint + ")").orElse("$" + fingerprint);
    }
}
