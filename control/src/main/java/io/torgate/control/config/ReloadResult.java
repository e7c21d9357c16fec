package io.torgate.control.config;

import java.time.Instant;
import java.util.List;

/**
 * What a reload did: applied or not (a bad file keeps the running config), why, what changed, and which changed
 * settings only take effect after a restart. Never contains a password or token.
 *
 * @param applied       the new config is in effect (its live parts)
 * @param at            when the reload ran
 * @param message       one line for logs and the API, e.g. the config error that kept the old config
 * @param changes       settings changed live, e.g. {@code limits.max_tunnels: 100 -> 200}, {@code users.bob: added}
 * @param restartNeeded changed settings that need a restart to take effect, e.g. {@code listen.socks}
 */
public record ReloadResult(boolean applied, Instant at, String message, List<String> changes,
                           List<String> restartNeeded) {

    public ReloadResult {
        changes = List.copyOf(changes);
        restartNeeded = List.copyOf(restartNeeded);
    }
}
