package io.torgate.control.cli;

import io.torgate.torpool.directory.NodeDirectory;
import io.torgate.torpool.directory.NodeDirectoryConfig;
import io.torgate.torpool.directory.NodeDirectoryException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/** Opens the node directory a command serves {@code /nodes} from and routes by. */
final class NodeDirectories {

    private NodeDirectories() {
    }

    /**
     * Opens (does not start) the directory kept in {@code stateDir}/nodes.db, fed from {@code onionoo}.
     *
     * @throws Foreground.GatewayStartFailed when no usable database can be made there (the reason is printed)
     */
    static NodeDirectory open(Foreground fg, CommandSpec spec, URI onionoo, Path stateDir) throws Foreground.GatewayStartFailed {
        try {
            return fg.own(NodeDirectory.open(NodeDirectoryConfig.builder().baseUrl(onionoo).stateDir(stateDir).build()));
        } catch (NodeDirectoryException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(spec.qualifiedName() + ": " + e.getMessage());
            err.flush();
            throw new Foreground.GatewayStartFailed(ExitCodes.RUNTIME_FAILURE);
        }
    }
}
