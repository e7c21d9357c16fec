package io.torgate.control.cli;

import io.torgate.control.config.ConfigLoader;
import io.torgate.control.config.TorgateConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --config FILE}, and how a serving command turns file, environment and flags into one
 * {@link TorgateConfig}: flags given on the command line win over {@code TORGATE_…} variables, which win over
 * the file, which wins over the defaults. A flag left at its default does not count as given.
 */
final class ConfigOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML config file (see config/torgate.example.yaml); default: $TORGATE_CONFIG if set."
                    + " Flags and TORGATE_... variables override it. SIGHUP re-reads it.")
    Path file;

    /** The process environment; tests put their own map here. */
    Map<String, String> env = System.getenv();

    /** A loader for these flags and this environment (it reads the files on each load, e.g. a reload). */
    ConfigLoader loader(GatewayOptions gateway, PoolOptions pool, Consumer<ConfigLoader.Builder> more) {
        ConfigLoader.Builder b = ConfigLoader.builder().configFile(file).usersFile(gateway.usersFile).env(env);
        gateway.addFlags(b);
        pool.addFlags(b);
        more.accept(b);
        return b.build();
    }

    /** Loads the config; a bad one is a usage error (exit 2) whose message names the source, key and reason. */
    static TorgateConfig load(ConfigLoader loader) {
        try {
            return loader.load();
        } catch (io.torgate.control.config.ConfigException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Was this option given on the command line (rather than left at its default)? */
    static boolean given(CommandSpec spec, String option) {
        picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }
}
