package io.torgate.control.cli;

import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.ConfigReloader;
import io.torgate.control.config.PoolResizer;
import io.torgate.control.config.TorgateConfig;
import io.torgate.control.policy.PolicyRouter;
import io.torgate.control.policy.RelayCountries;
import io.torgate.control.users.LiveUsers;
import io.torgate.gateway.Gateway;
import io.torgate.gateway.GatewayConfig;
import io.torgate.gateway.GatewayListener;
import io.torgate.gateway.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a serving command puts in front of its router: the users (the gateway's authenticator) and the
 * per-user policy ({@link PolicyRouter}) from the config, and, once the gateway runs, the reloader that SIGHUP
 * and {@code POST /config/reload} use to swap them, the tunnel limits and the pool size without dropping tunnels.
 */
final class LiveConfig {

    private static final Logger log = LoggerFactory.getLogger(LiveConfig.class);

    private final ConfigLoader loader;
    private final TorgateConfig config;
    private final LiveUsers users;
    private final PolicyRouter router;
    private ConfigReloader reloader;

    LiveConfig(ConfigLoader loader, TorgateConfig config, Router inner, RelayCountries relays) {
        this.loader = loader;
        this.config = config;
        this.users = new LiveUsers(config.users());
        this.router = new PolicyRouter(inner, config.policies(), relays);
        if (config.users().usersConfigured()) {
            log.info("{} user(s) configured{}", config.users().names().size(),
                    loader.configFile().or(loader::usersFile).map(p -> " in " + p).orElse(""));
        }
    }

    /** The gateway's settings: listener, limits and timeouts from the config, routing through the policy. */
    GatewayConfig gatewayConfig() {
        return gatewayConfig(GatewayListener.NONE);
    }

    /** The same, reporting to {@code listener} (metrics). */
    GatewayConfig gatewayConfig(GatewayListener listener) {
        return config.limits().applyTo(GatewayConfig.builder())
                .listener(listener)
                .listen(config.socks())
                .router(router)
                .authenticator(users)
                .logDestinations(config.logging().logDestinations())
                .build();
    }

    /** The gateway is up: reloads may now change its limits; SIGHUP triggers one. */
    ConfigReloader started(Gateway gateway, PoolResizer pool) {
        reloader = ConfigReloader.builder()
                .loader(loader, config)
                .targets(users, router)
                .limits(gateway::updateLimits)
                .pool(pool)
                .debugLogging(Logging::debug)
                .build();
        ReloadSignal.install(reloader);
        return reloader;
    }

    PolicyRouter router() {
        return router;
    }
}
