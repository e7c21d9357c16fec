package io.torgate.gateway;

/**
 * The username routing grammar: {@code USER[-KEY-VALUE]…}, e.g. {@code alice-country-de-session-x7k2-ttl-30m}.
 * A pure function: no I/O, no state.
 */
public final class UsernameGrammar {

    private UsernameGrammar() {
    }

    public static RouteRequest parse(String username) throws RouteRequestException {
        // Implemented by the grammar work item.
        throw new UnsupportedOperationException("not yet implemented");
    }
}
