package io.torgate.torpool.directory;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Which usable exits {@link NodeDirectory#exits(ExitFilter)} returns. Immutable; build with {@link #builder()}.
 * All conditions must hold: country in {@link #countries()} (when not empty), country not in
 * {@link #excludedCountries()}, every flag of {@link #requiredFlags()}, fingerprint not in
 * {@link #excludedFingerprints()}. A relay whose country Onionoo does not know never matches a country
 * list, but is not excluded by one.
 */
public final class ExitFilter {

    /** Every usable exit. */
    public static final ExitFilter ALL = builder().build();

    private final Set<String> countries;
    private final Set<String> excludedCountries;
    private final Set<String> requiredFlags;
    private final Set<String> excludedFingerprints;

    private ExitFilter(Builder b) {
        this.countries = Set.copyOf(b.countries);
        this.excludedCountries = Set.copyOf(b.excludedCountries);
        this.requiredFlags = Set.copyOf(b.requiredFlags);
        this.excludedFingerprints = Set.copyOf(b.excludedFingerprints);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Shorthand for exits in any of these countries (two-letter codes, any case). */
    public static ExitFilter inCountries(String... countries) {
        return builder().countries(java.util.List.of(countries)).build();
    }

    /** Lower-case country codes; empty = any country. */
    public Set<String> countries() {
        return countries;
    }

    public Set<String> excludedCountries() {
        return excludedCountries;
    }

    public Set<String> requiredFlags() {
        return requiredFlags;
    }

    /** Upper-case fingerprints. */
    public Set<String> excludedFingerprints() {
        return excludedFingerprints;
    }

    boolean matches(Relay r) {
        if (!countries.isEmpty() && (r.country().isEmpty() || !countries.contains(r.country().get()))) {
            return false;
        }
        if (r.country().isPresent() && excludedCountries.contains(r.country().get())) {
            return false;
        }
        return r.flags().containsAll(requiredFlags) && !excludedFingerprints.contains(r.fingerprint());
    }

    @Override
    public String toString() {
        return "ExitFilter[countries=" + countries + ", excludedCountries=" + excludedCountries + ", requiredFlags="
                + requiredFlags + ", excludedFingerprints=" + excludedFingerprints.size() + "]";
    }

    public static final class Builder {
        private final Set<String> countries = new LinkedHashSet<>();
        private final Set<String> excludedCountries = new LinkedHashSet<>();
        private final Set<String> requiredFlags = new LinkedHashSet<>();
        private final Set<String> excludedFingerprints = new LinkedHashSet<>();

        private Builder() {
        }

        public Builder countries(Collection<String> codes) {
            codes.forEach(c -> countries.add(country(c)));
            return this;
        }

        public Builder excludeCountries(Collection<String> codes) {
            codes.forEach(c -> excludedCountries.add(country(c)));
            return this;
        }

        /** Flags as the consensus spells them, e.g. "Stable", "Fast". */
        public Builder requireFlags(Collection<String> flags) {
            for (String f : flags) {
                Objects.requireNonNull(f, "flag");
                if (!f.matches("[A-Za-z0-9]+")) {
                    throw new IllegalArgumentException("a relay flag is a single word such as 'Stable', got '" + f + "'");
                }
                requiredFlags.add(f);
            }
            return this;
        }

        public Builder excludeFingerprints(Collection<String> fingerprints) {
            fingerprints.forEach(f -> excludedFingerprints.add(Fingerprints.canonical(f)));
            return this;
        }

        public ExitFilter build() {
            return new ExitFilter(this);
        }

        private static String country(String code) {
            Objects.requireNonNull(code, "country");
            if (!code.matches("[A-Za-z]{2}")) {
                throw new IllegalArgumentException("a country is a two-letter ISO 3166-1 code such as 'de', got '" + code + "'");
            }
            return code.toLowerCase(Locale.ROOT);
        }
    }
}
