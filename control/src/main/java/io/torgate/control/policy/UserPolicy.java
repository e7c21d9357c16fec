package io.torgate.control.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one user may do and what they get by default.
 *
 * @param allowedCountries exits must be in one of these (lowercase ISO codes); empty = any country
 * @param defaults         routing options applied when the username does not set them
 * @param maxSessions      live sticky sessions at once; 0 = unlimited
 * @param maxTunnels       live tunnels at once (connecting or established); 0 = unlimited
 */
public record UserPolicy(Optional<List<String>> allowedCountries, RouteDefaults defaults, int maxSessions,
                         int maxTunnels) {

    /** Any country, no defaults, no limits: every user when no users are configured. */
    public static final UserPolicy UNRESTRICTED = new UserPolicy(Optional.empty(), RouteDefaults.NONE, 0, 0);

    /** @throws IllegalArgumentException when the parts contradict each other (the message names the part) */
    public UserPolicy {
        allowedCountries = Objects.requireNonNull(allowedCountries, "allowedCountries").map(List::copyOf);
        Objects.requireNonNull(defaults, "defaults");
        if (maxSessions < 0 || maxTunnels < 0) {
            throw new IllegalArgumentException("limits must be 0 (unlimited) or more");
        }
        if (allowedCountries.isPresent()) {
            List<String> allowed = allowedCountries.get();
            if (allowed.isEmpty()) {
                throw new IllegalArgumentException("allowed_countries is empty, which would refuse every"
                        + " connection; leave it out to allow any country");
            }
            for (String code : defaults.countries()) {
                if (!allowed.contains(code)) {
                    throw new IllegalArgumentException("defaults.country " + code
                            + " is not in allowed_countries " + allowed);
                }
            }
        }
    }
}
