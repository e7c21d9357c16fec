package io.torgate.control.cli;

import io.torgate.control.api.ApiConfig;
import io.torgate.control.api.ApiServer;
import io.torgate.control.api.ApiStartException;
import io.torgate.control.api.ControlPlane;
import io.torgate.control.config.ApiSettings;
import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.TorgateConfig;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The control API's flags, shared by {@code run} and {@code testnet}. Like every flag they only override
 * {@code api.listen} / {@code api.token} of the environment and the config file when given (see
 * {@link ConfigOptions}); the loaded config checks them (a token off loopback, its length).
 */
final class ApiOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--api", paramLabel = "HOST:PORT", defaultValue = TorgateConfig.DEFAULT_API,
            converter = AddressOrOff.class,
            description = "Where the control API (REST + /metrics) listens, or 'off'. Port 0 picks a free port."
                    + " A non-loopback address requires a token. Default also: $TORGATE_API_LISTEN, api.listen.")
    InetSocketAddress listen;

    @Option(names = "--api-token", paramLabel = "TOKEN",
            description = "Bearer token the API requires (at least 16 characters); default: $TORGATE_API_TOKEN,"
                    + " else api.token of the config file. Prefer the variable: a flag is visible to other local"
                    + " users in the process list.")
    String token;

    /** {@code HOST:PORT}, or {@code off} for no API (null). */
    static final class AddressOrOff implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            return value.equals("off") ? null : new ListenAddressConverter().convert(value);
        }
    }

    boolean enabled() {
        return listen != null;
    }

    /** Adds the flags given on the command line to the config (they win over the environment and the file). */
    void addFlags(ConfigLoader.Builder b) {
        if (ConfigOptions.given(spec, "--api")) {
            b.flag("api.listen", Optional.ofNullable(listen), "--api");
        }
        if (ConfigOptions.given(spec, "--api-token")) {
            b.flag("api.token", token, "--api-token");
        }
    }

    /**
     * Builds the control plane (owned by {@code fg}) and, unless the API is off, serves it and prints where.
     *
     * @throws Foreground.GatewayStartFailed when the API cannot start (the reason is printed)
     */
    ControlPlane start(Foreground fg, ControlPlane.Builder builder, ApiSettings settings)
            throws Foreground.GatewayStartFailed {
        ControlPlane cp = fg.own(builder.build());
        if (settings.listen().isEmpty()) {
            return cp;
        }
        try {
            ApiServer api = cp.startApi(ApiConfig.builder().listen(settings.listen().get())
                    .token(settings.token().orElse(null)).build());
            PrintWriter out = fg.out();
            out.println("torgate API on http://" + Foreground.hostPort(api.address()) + " ("
                    + (settings.token().isEmpty() ? "no token" : "bearer token required") + ")");
            out.flush();
            return cp;
        } catch (ApiStartException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(spec.qualifiedName() + ": " + e.getMessage());
            err.flush();
            throw new Foreground.GatewayStartFailed(e.isConfigError() ? ExitCodes.CONFIG_ERROR : ExitCodes.RUNTIME_FAILURE);
        }
    }
}
