package io.torgate.gateway;

/** How firmly a request is tied to its exit. */
public enum Mode {
    /** Exactly one exit for the session's life; if it goes, connections fail — never a silent switch. */
    STRICT,
    /** Any exit of the selected group; the session keeps its exit while it lives, else moves within the group. */
    FLEXIBLE
}
