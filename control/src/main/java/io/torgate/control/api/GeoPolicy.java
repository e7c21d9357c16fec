package io.torgate.control.api;

import io.torgate.gateway.Mode;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The exit policy of a dedicated proxy port, in tor-socks-proxy's terms: a geo category ({@code US},
 * {@code NON_US} or a country code) and a mode ({@code strict}: keep one exit, fail rather than move;
 * {@code flexible}: keep it while it lives, else move within the category).
 *
 * @param category  as the client wrote it, normalised ({@code US}, {@code NON_US}, or the code in upper case)
 * @param countries exit in one of these (lower case); empty = any
 * @param excluded  exit in none of these
 */
public record GeoPolicy(String category, List<String> countries, List<String> excluded, Mode mode) {

    private static final Set<String> ISO_ALPHA2 = Set.of(Locale.getISOCountries());

    public GeoPolicy {
        Objects.requireNonNull(category, "category");
        countries = List.copyOf(countries);
        excluded = List.copyOf(excluded);
        Objects.requireNonNull(mode, "mode");
    }

    /**
     * Parses the two request fields.
     *
     * @throws ApiException 400 naming the bad value
     */
    static GeoPolicy parse(String geoCategory, String mode) {
        Mode m = switch (mode) {
            case "strict" -> Mode.STRICT;
            case "flexible" -> Mode.FLEXIBLE;
            default -> throw ApiException.badRequest("bad_value", "mode '" + mode + "' is not strict or flexible");
        };
        String g = geoCategory.strip().toUpperCase(Locale.ROOT);
        if (g.equals("US")) {
            return new GeoPolicy("US", List.of("us"), List.of(), m);
        }
        if (g.equals("NON_US") || g.equals("NON-US")) {
            return new GeoPolicy("NON_US", List.of(), List.of("us"), m);
        }
        if (g.length() == 2 && ISO_ALPHA2.contains(g)) {
            return new GeoPolicy(g, List.of(g.toLowerCase(Locale.ROOT)), List.of(), m);
        }
        throw ApiException.badRequest("bad_value", "geo_category '" + geoCategory
                + "' is not US, NON_US or an ISO 3166-1 alpha-2 country code such as DE");
    }

    public String modeName() {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
