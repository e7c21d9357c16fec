package io.torgate.torpool.testnet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relays of a network with their identities and ports, persisted as {@code network.json} in the state
 * directory so the next run reuses keys and ports (a warm start skips key generation and, with the same
 * ports, the relays' cached directory data stays valid).
 */
record NetworkLayout(int format, long createdEpochSecond, List<RelaySpec> relays) {

    static final int FORMAT = 1;
    static final String FILE_NAME = "network.json";

    private static final Logger log = LoggerFactory.getLogger(NetworkLayout.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    NetworkLayout {
        relays = List.copyOf(relays);
    }

    List<RelaySpec> authorities() {
        return relays.stream().filter(RelaySpec::isAuthority).toList();
    }

    /** The path-rule cases of this layout, from its numbers of middles and exits. */
    Topology topology() {
        int middles = (int) relays.stream().filter(r -> r.role() == TestRelay.Role.MIDDLE).count();
        int exits = (int) relays.stream().filter(r -> r.role() == TestRelay.Role.EXIT).count();
        return new Topology(middles, exits);
    }

    Optional<RelaySpec> find(String nickname) {
        return relays.stream().filter(r -> r.nickname().equals(nickname)).findFirst();
    }

    /** The layout saved by an earlier run, or empty when there is none or it cannot be read (then we regenerate). */
    static Optional<NetworkLayout> load(Path stateDir) {
        Path file = stateDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            NetworkLayout layout = JSON.readValue(file.toFile(), NetworkLayout.class);
            if (layout.format() != FORMAT) {
                log.info("ignoring {}: format {} is not {}", file, layout.format(), FORMAT);
                return Optional.empty();
            }
            return Optional.of(layout);
        } catch (IOException e) {
            log.warn("ignoring unreadable {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Written atomically so a crash mid-write cannot leave a half file that the next run trusts. */
    void save(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path tmp = stateDir.resolve(FILE_NAME + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, stateDir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
