package io.torgate.control.policy;

import io.torgate.gateway.RouteRequest;
import io.torgate.gateway.UsernameGrammar;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks an effective request against the user's allowed countries. A pure function (the relay lookup is
 * passed in).
 * <ul>
 *   <li>No allowed list: anything goes, unchanged.</li>
 *   <li>{@code exit-FP}: the relay's country (from the node directory) must be allowed; an unknown relay is
 *       refused, since its country cannot be checked.</li>
 *   <li>{@code country-…}: every listed country must be allowed (a list is not silently narrowed: a client
 *       that asked for {@code de_fr} must not believe {@code fr} was possible).</li>
 *   <li>No country asked: the request is narrowed to the allowed countries minus any excluded ones; if none
 *       is left, it is refused.</li>
 * </ul>
 */
public final class CountryPolicy {

    private CountryPolicy() {
    }

    /** The outcome: the request to route (maybe narrowed), or a refusal. */
    public record Decision(Optional<RouteRequest> route, Optional<Refusal> refusal) {
        static Decision allow(RouteRequest r) {
            return new Decision(Optional.of(r), Optional.empty());
        }

        static Decision refuse(String reason, String detail) {
            return new Decision(Optional.empty(), Optional.of(new Refusal(reason, detail)));
        }
    }

    public static Decision check(RouteRequest r, UserPolicy policy, RelayCountries relays) {
        if (policy.allowedCountries().isEmpty()) {
            return Decision.allow(r);
        }
        List<String> allowed = policy.allowedCountries().get();
        String user = r.user();
        if (r.exitFingerprint().isPresent()) {
            String fp = r.exitFingerprint().get();
            Optional<String> country = relays.countryOf(fp);
            if (country.isEmpty()) {
                return Decision.refuse(Refusal.EXIT_COUNTRY_UNKNOWN, "exit " + fp + " is not in the node directory,"
                        + " so its country cannot be checked against the countries " + user + " may use");
            }
            if (!allowed.contains(country.get())) {
                return Decision.refuse(Refusal.COUNTRY_NOT_ALLOWED, "country " + country.get() + " of exit " + fp
                        + " is not allowed for " + user);
            }
            return Decision.allow(r);
        }
        if (!r.countries().isEmpty()) {
            for (String code : r.countries()) {
                if (!allowed.contains(code)) {
                    return Decision.refuse(Refusal.COUNTRY_NOT_ALLOWED, "country " + code + " is not allowed for "
                            + user);
                }
            }
            return Decision.allow(r);
        }
        List<String> left = allowed.stream().filter(c -> !r.excluded().contains(c)).toList();
        if (left.isEmpty()) {
            return Decision.refuse(Refusal.COUNTRY_NOT_ALLOWED, "exclude-" + String.join("_", r.excluded())
                    + " leaves no country " + user + " may use (allowed: " + String.join(", ", allowed) + ")");
        }
        Set<String> explicit = new HashSet<>(r.explicit());
        explicit.add(UsernameGrammar.COUNTRY);
        return Decision.allow(new RouteRequest(r.user(), left, r.excluded(), r.session(), r.ttl(), r.mode(),
                r.exitFingerprint(), r.rotateEach(), explicit));
    }
}
