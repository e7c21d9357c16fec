package io.torgate.torpool.instance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where one instance keeps its files under the state dir. The data directory survives restarts (cached
 * consensus, guards, keys) because that is what makes a restart take seconds instead of a full bootstrap.
 */
final class InstanceFiles {

    /** The tor log is rotated once at launch when it has grown beyond this. */
    static final long LOG_ROTATE_BYTES = 10L * 1024 * 1024;

    private final Path dir;

    InstanceFiles(Path stateDir, String name) {
        this.dir = stateDir.resolve(name).toAbsolutePath();
    }

    Path dir() {
        return dir;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    Path torrc() {
        return dir.resolve("torrc");
    }

    Path log() {
        return dir.resolve("tor.log");
    }

    Path controlPortFile() {
        return dir.resolve("control-port");
    }

    Path cookieFile() {
        return dir.resolve("control-auth-cookie");
    }

    /**
     * Creates the directories with mode 0700 (tor refuses a data directory others can read) and removes
     * the previous run's control port and cookie files, so a stale port is never read for a new tor.
     */
    void prepare() throws IOException {
        privateDir(dir);
        privateDir(dataDir());
        Files.deleteIfExists(controlPortFile());
        Files.deleteIfExists(cookieFile());
        if (Files.exists(log()) && Files.size(log()) > LOG_ROTATE_BYTES) {
            Files.move(log(), dir.resolve("tor.log.1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void privateDir(Path d) throws IOException {
        Files.createDirectories(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    }
}
