package io.torgate.control.policy;

import static io.torgate.gateway.UsernameGrammar.COUNTRY;
import static io.torgate.gateway.UsernameGrammar.EXCLUDE;
import static io.torgate.gateway.UsernameGrammar.EXIT;
import static io.torgate.gateway.UsernameGrammar.MODE;
import static io.torgate.gateway.UsernameGrammar.ROTATE;
import static io.torgate.gateway.UsernameGrammar.TTL;

import io.torgate.gateway.Mode;
import io.torgate.gateway.RouteRequest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Lays a username's options over the user's {@link RouteDefaults}. A pure function.
 * <p>
 * A key the username carries ({@link RouteRequest#explicit()}) replaces the default of the same key. Where a
 * username option and a <em>different</em> default cannot go together, the username wins and the default is
 * dropped:
 * <ul>
 *   <li>username {@code exit} drops default {@code country} and {@code exclude} (the pinned relay fixes the
 *       country), and default {@code mode} (a pin is strict);</li>
 *   <li>username {@code country}, {@code exclude} or {@code mode-flexible} drops a default {@code exit};</li>
 *   <li>username {@code country-X} removes X from a default {@code exclude}; username {@code exclude-X}
 *       removes X from a default {@code country} (if that empties it, any country but the excluded ones);</li>
 *   <li>username {@code session} drops default {@code rotate-each} (stickiness beats rotation).</li>
 * </ul>
 * A default {@code ttl} applies only when the request ends up with a session (the username's). The result is
 * always a request the username grammar could have produced; its {@code explicit()} holds the username's keys
 * plus the defaults that were applied, so the router behind sees defaults exactly as if the user wrote them.
 */
public final class PolicyLayering {

    private PolicyLayering() {
    }

    public static RouteRequest effective(RouteRequest asked, RouteDefaults defaults) {
        if (defaults.isEmpty()) {
            return asked;
        }
        Set<String> said = asked.explicit();
        Set<String> explicit = new HashSet<>(said);

        List<String> countries = asked.countries();
        List<String> excluded = asked.excluded();
        Optional<String> exit = asked.exitFingerprint();
        if (!said.contains(EXIT)) {
            boolean exitDropped = said.contains(COUNTRY) || said.contains(EXCLUDE)
                    || (said.contains(MODE) && asked.mode() == Mode.FLEXIBLE);
            if (defaults.exitFingerprint().isPresent() && !exitDropped) {
                exit = defaults.exitFingerprint();
                explicit.add(EXIT);
            } else {
                if (!said.contains(COUNTRY) && !defaults.countries().isEmpty()) {
                    countries = minus(defaults.countries(), excluded);
                    if (!countries.isEmpty()) {
                        explicit.add(COUNTRY);
                    }
                }
                if (!said.contains(EXCLUDE) && !defaults.excluded().isEmpty()) {
                    excluded = minus(defaults.excluded(), countries);
                    if (!excluded.isEmpty()) {
                        explicit.add(EXCLUDE);
                    }
                }
            }
        }

        Mode mode;
        if (exit.isPresent()) {
            mode = Mode.STRICT; // a pin is strict; a default mode gives way to it as the grammar's implied one does
        } else if (said.contains(MODE)) {
            mode = asked.mode();
        } else if (defaults.mode().isPresent()) {
            mode = defaults.mode().get();
            explicit.add(MODE);
        } else {
            mode = asked.mode();
        }

        boolean rotateEach = asked.rotateEach();
        if (!said.contains(ROTATE) && asked.session().isEmpty() && defaults.rotateEach()) {
            rotateEach = true;
            explicit.add(ROTATE);
        }

        Duration ttl = asked.ttl();
        if (!said.contains(TTL) && asked.session().isPresent() && defaults.ttl().isPresent()) {
            ttl = defaults.ttl().get();
            explicit.add(TTL);
        }

        return new RouteRequest(asked.user(), countries, excluded, asked.session(), ttl, mode, exit, rotateEach,
                explicit);
    }

    private static List<String> minus(List<String> from, List<String> remove) {
        if (remove.isEmpty()) {
            return from;
        }
        return from.stream().filter(c -> !remove.contains(c)).toList();
    }
}
