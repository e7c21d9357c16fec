package io.torgate.torpool.pool;

import io.torgate.gateway.RouteRequest;
import io.torgate.torpool.directory.ExitFilter;
import java.util.List;
import java.util.Optional;

/** The exit a request asks for: any, a country group (with exclusions), or one relay. */
record ExitDemand(List<String> countries, List<String> excluded, Optional<String> exit) {

    static final ExitDemand ANY = new ExitDemand(List.of(), List.of(), Optional.empty());

    ExitDemand {
        countries = List.copyOf(countries);
        excluded = List.copyOf(excluded);
    }

    static ExitDemand of(RouteRequest r) {
        return new ExitDemand(r.countries(), r.excluded(), r.exitFingerprint());
    }

    boolean isAny() {
        return countries.isEmpty() && excluded.isEmpty() && exit.isEmpty();
    }

    ExitFilter filter() {
        return ExitFilter.builder().countries(countries).excludeCountries(excluded).build();
    }

    /** For profile labels: {@code country-de_us}, {@code exclude-us}, {@code exit-FP}, {@code any}. */
    String label() {
        if (exit.isPresent()) {
            return "exit-" + exit.get();
        }
        if (isAny()) {
            return "any";
        }
        StringBuilder b = new StringBuilder();
        if (!countries.isEmpty()) {
            b.append("country-").append(String.join("_", countries));
        }
        if (!excluded.isEmpty()) {
            b.append(b.length() == 0 ? "" : "-").append("exclude-").append(String.join("_", excluded));
        }
        return b.toString();
    }

    /** For messages: {@code in [de]}, {@code outside [us]}, {@code in [de, nl] outside [us]}. */
    String describe() {
        if (exit.isPresent()) {
            return "$" + exit.get();
        }
        if (isAny()) {
            return "anywhere";
        }
        String in = countries.isEmpty() ? "" : "in " + countries;
        String out = excluded.isEmpty() ? "" : "outside " + excluded;
        return (in + " " + out).strip();
    }
}
