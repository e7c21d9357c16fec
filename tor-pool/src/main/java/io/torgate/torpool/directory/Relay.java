package io.torgate.torpool.directory;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * One exit relay of the directory, as Onionoo described it at the last good refresh. Immutable.
 *
 * <p>{@link #exitAddresses()} are where this relay's traffic leaves to the Internet (Onionoo's
 * {@code exit_addresses}), which is what a destination sees. Onionoo omits them for relays it has not seen
 * exit lately; for those the directory falls back to the address of the first {@code or_addresses} entry and
 * says so with {@link AddressSource#OR_ADDRESS_FALLBACK}.
 */
public final class Relay {

    /** Where {@link #exitAddresses()} came from. */
    public enum AddressSource {
        /** Onionoo's {@code exit_addresses}: observed exit IPs. */
        EXIT_ADDRESSES,
        /** No {@code exit_addresses}: the IP of the first {@code or_addresses} entry, a guess. */
        OR_ADDRESS_FALLBACK
    }

    private final String fingerprint;
    private final String nickname;
    private final String country;
    private final String countryName;
    private final Set<String> flags;
    private final Long observedBandwidth;
    private final String exitPolicySummary;
    private final Instant firstSeen;
    private final Instant lastSeen;
    private final boolean running;
    private final List<String> exitAddresses;
    private final AddressSource addressSource;

    Relay(String fingerprint, String nickname, String country, String countryName, Set<String> flags,
          Long observedBandwidth, String exitPolicySummary, Instant firstSeen, Instant lastSeen, boolean running,
          List<String> exitAddresses, AddressSource addressSource) {
        this.fingerprint = Fingerprints.canonical(fingerprint);
        this.nickname = nickname;
        this.country = country;
        this.countryName = countryName;
        this.flags = java.util.Collections.unmodifiableSet(new TreeSet<>(flags));
        this.observedBandwidth = observedBandwidth;
        this.exitPolicySummary = exitPolicySummary;
        this.firstSeen = firstSeen;
        this.lastSeen = lastSeen;
        this.running = running;
        this.exitAddresses = List.copyOf(exitAddresses);
        this.addressSource = Objects.requireNonNull(addressSource, "addressSource");
        if (this.exitAddresses.isEmpty()) {
            throw new IllegalArgumentException("relay " + fingerprint + " has no exit address");
        }
    }

    /** 40 upper-case hex digits. */
    public String fingerprint() {
        return fingerprint;
    }

    public Optional<String> nickname() {
        return Optional.ofNullable(nickname);
    }

    /** Lower-case ISO 3166-1 alpha-2 code from Onionoo's GeoIP lookup; empty when Onionoo does not know it. */
    public Optional<String> country() {
        return Optional.ofNullable(country);
    }

    public Optional<String> countryName() {
        return Optional.ofNullable(countryName);
    }

    /** Consensus flags ("Exit", "Fast", "Stable", "BadExit", ...), sorted. */
    public Set<String> flags() {
        return flags;
    }

    public boolean hasFlag(String flag) {
        return flags.contains(flag);
    }

    /** Bytes per second the relay observed itself pushing; empty when Onionoo did not say. */
    public OptionalLong observedBandwidth() {
        return observedBandwidth == null ? OptionalLong.empty() : OptionalLong.of(observedBandwidth);
    }

    /** Onionoo's {@code exit_policy_summary} as compact JSON text, e.g. {@code {"accept":["80","443"]}}. */
    public Optional<String> exitPolicySummary() {
        return Optional.ofNullable(exitPolicySummary);
    }

    public Optional<Instant> firstSeen() {
        return Optional.ofNullable(firstSeen);
    }

    public Optional<Instant> lastSeen() {
        return Optional.ofNullable(lastSeen);
    }

    /** Onionoo's "running": listed as Running in the consensus Onionoo last processed. */
    public boolean running() {
        return running;
    }

    /** IP literals (IPv4 dotted quad or IPv6 without brackets); never empty. */
    public List<String> exitAddresses() {
        return exitAddresses;
    }

    public AddressSource addressSource() {
        return addressSource;
    }

    /** Usable as an exit: running, flagged Exit and not flagged BadExit. */
    public boolean isUsableExit() {
        return running && flags.contains("Exit") && !flags.contains("BadExit");
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Relay r)) {
            return false;
        }
        return running == r.running && fingerprint.equals(r.fingerprint) && Objects.equals(nickname, r.nickname)
                && Objects.equals(country, r.country) && Objects.equals(countryName, r.countryName)
                && flags.equals(r.flags) && Objects.equals(observedBandwidth, r.observedBandwidth)
                && Objects.equals(exitPolicySummary, r.exitPolicySummary) && Objects.equals(firstSeen, r.firstSeen)
                && Objects.equals(lastSeen, r.lastSeen) && exitAddresses.equals(r.exitAddresses)
                && addressSource == r.addressSource;
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "Relay[" + fingerprint + " " + (nickname == null ? "?" : nickname) + " "
                + (country == null ? "??" : country) + " " + flags + " exits " + exitAddresses
                + (addressSource == AddressSource.OR_ADDRESS_FALLBACK ? " (or_address fallback)" : "") + "]";
    }
}
