package io.torgate.control.api;

import io.torgate.torpool.session.CircuitInfo;
import io.torgate.torpool.session.ExitInfo;
import io.torgate.torpool.session.Rotation;
import io.torgate.torpool.session.SessionInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /sessions}: list, show, rotate and remove sticky sessions through a {@link SessionsView}. Without one
 * (the session manager is not part of this build) every endpoint answers 501 and says so.
 */
final class SessionEndpoints {

    /** The username grammar's rules for the two path parts, so a bad value is named, not just "not found". */
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_.]{1,64}");
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9]{1,32}");

    static final String UNAVAILABLE = "session management is not available: this torgate has no sticky-session"
            + " manager (only the tor-pool upstream keeps sessions)";

    private final SessionsView sessions;

    SessionEndpoints(SessionsView sessions) {
        this.sessions = sessions;
    }

    void register(Routes routes) {
        routes.add("GET", "/sessions", this::list)
                .add("GET", "/sessions/{user}/{session}", this::get)
                .add("POST", "/sessions/{user}/{session}/rotate", this::rotate)
                .add("DELETE", "/sessions/{user}/{session}", this::remove);
    }

    private SessionsView view() {
        if (sessions == null) {
            throw ApiException.notImplemented(UNAVAILABLE);
        }
        return sessions;
    }

    private ApiResponse list(ApiRequest req) {
        req.allowQuery(Set.of("user"));
        SessionsView v = view();
        Optional<String> user = req.queryValue("user").map(u -> checked("user", u, USER));
        List<Map<String, Object>> out = v.list().stream()
                .filter(s -> user.isEmpty() || s.user().equals(user.get()))
                .map(SessionEndpoints::json)
                .toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", out.size());
        body.put("sessions", out);
        return ApiResponse.ok(body);
    }

    private ApiResponse get(ApiRequest req) {
        req.allowQuery(Set.of());
        SessionsView v = view();
        String user = checked("user", req.pathParam("user"), USER);
        String session = checked("session", req.pathParam("session"), SESSION);
        return ApiResponse.ok(json(v.get(user, session).orElseThrow(() -> missing(user, session))));
    }

    private ApiResponse rotate(ApiRequest req) throws InterruptedException {
        req.allowQuery(Set.of());
        SessionsView v = view();
        String user = checked("user", req.pathParam("user"), USER);
        String session = checked("session", req.pathParam("session"), SESSION);
        Rotation r;
        try {
            r = v.rotate(user, session).orElseThrow(() -> missing(user, session));
        } catch (IllegalStateException e) {
            throw ApiException.conflict("cannot_rotate", e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", r.user());
        body.put("session", r.session());
        body.put("old_exit", r.oldExit().map(SessionEndpoints::exit).orElse(null));
        body.put("new_exit", exit(r.newExit()));
        body.put("took_seconds", Durations.seconds(r.took()));
        return ApiResponse.ok(body);
    }

    private ApiResponse remove(ApiRequest req) {
        req.allowQuery(Set.of());
        SessionsView v = view();
        String user = checked("user", req.pathParam("user"), USER);
        String session = checked("session", req.pathParam("session"), SESSION);
        if (!v.remove(user, session)) {
            throw missing(user, session);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("removed", Map.of("user", user, "session", session));
        return ApiResponse.ok(body);
    }

    private static String checked(String what, String value, Pattern rule) {
        if (!rule.matcher(value).matches()) {
            throw ApiException.badRequest("bad_value", what + " '" + shorten(value) + "' is not valid; a " + what
                    + (what.equals("user") ? " is 1-64 of A-Z a-z 0-9 _ ." : " id is 1-32 of A-Z a-z 0-9"));
        }
        return value;
    }

    private static String shorten(String s) {
        return s.length() <= 70 ? s : s.substring(0, 70) + "...";
    }

    private static ApiException missing(String user, String session) {
        return ApiException.notFound("no live session '" + session + "' of user '" + user + "'");
    }

    static Map<String, Object> json(SessionInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user", s.user());
        m.put("session", s.session());
        m.put("mode", s.mode().name().toLowerCase(Locale.ROOT));
        m.put("countries", s.countries());
        m.put("excluded", s.excluded());
        m.put("pinned_exit", s.pinnedExit().orElse(null));
        m.put("instance", s.instance().orElse(null));
        m.put("exit", s.exit().map(SessionEndpoints::exit).orElse(null));
        m.put("circuit", s.circuit().map(SessionEndpoints::circuit).orElse(null));
        m.put("created_at", s.created().toString());
        m.put("last_used_at", s.lastUsed().toString());
        m.put("ttl_seconds", Durations.seconds(s.ttl()));
        m.put("expires_at", s.expiresAt().map(Object::toString).orElse(null));
        m.put("live_tunnels", s.liveTunnels());
        m.put("connections", s.connections());
        m.put("rotations", s.rotations());
        m.put("exit_changes", s.exitChanges());
        m.put("last_exit_change", s.lastExitChange().orElse(null));
        m.put("problem", s.problem().orElse(null));
        return m;
    }

    /** The session's circuit: the "circuit info" users of Tor session libraries ask for. */
    static Map<String, Object> circuit(CircuitInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("hops", c.hops().stream().map(h -> {
            Map<String, Object> hop = new LinkedHashMap<>();
            hop.put("fingerprint", h.fingerprint());
            hop.put("nickname", h.nickname());
            return hop;
        }).toList());
        m.put("built_at", c.builtAt().toString());
        m.put("age_seconds", Durations.seconds(c.age(java.time.Instant.now())));
        m.put("build_seconds", Durations.seconds(c.buildTime()));
        return m;
    }

    /** The exit as the API shows it: identity, address and country (its circuit is shown beside it). */
    static Map<String, Object> exit(ExitInfo e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fingerprint", e.fingerprint());
        m.put("nickname", e.nickname().orElse(null));
        m.put("address", e.address().orElse(null));
        m.put("country", e.country().orElse(null));
        return m;
    }
}
