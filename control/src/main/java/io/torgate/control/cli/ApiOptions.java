package io.torgate.control.cli;

import io.torgate.control.api.ApiConfig;
import io.torgate.control.api.ApiServer;
import io.torgate.control.api.ApiStartException;
import io.torgate.control.api.ControlPlane;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The control API's flags, shared by {@code run} and {@code testnet}. */
final class ApiOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--api", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080", converter = AddressOrOff.class,
            description = "Where the control API (REST + /metrics) listens, or 'off'. Port 0 picks a free port."
                    + " A non-loopback address requires --api-token.")
    InetSocketAddress listen;

    @Option(names = "--api-token", paramLabel = "TOKEN", defaultValue = "${env:TORGATE_API_TOKEN}",
            showDefaultValue = Visibility.NEVER,
            description = "Bearer token the API requires (at least 16 characters); default: $TORGATE_API_TOKEN."
                    + " Prefer the variable: a flag is visible to other local users in the process list.")
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

    ApiConfig config() {
        return ApiConfig.builder().listen(listen).token(token).build();
    }

    /** Refuses an unsafe API before anything starts (exit 2, naming why). */
    void checkSafe() {
        if (!enabled()) {
            return;
        }
        try {
            config().checkSafe();
        } catch (ApiStartException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /**
     * Builds the control plane (owned by {@code fg}) and, unless {@code --api off}, serves it and prints where.
     *
     * @throws Foreground.GatewayStartFailed when the API cannot start (the reason is printed)
     */
    ControlPlane start(Foreground fg, ControlPlane.Builder builder) throws Foreground.GatewayStartFailed {
        ControlPlane cp = fg.own(builder.build());
        if (!enabled()) {
            return cp;
        }
        try {
            ApiServer api = cp.startApi(config());
            PrintWriter out = fg.out();
            out.println("torgate API on http://" + Foreground.hostPort(api.address()) + " ("
                    + (token == null || token.isEmpty() ? "no token" : "bearer token required") + ")");
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
