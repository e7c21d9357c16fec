package io.torgate.torpool.testnet;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives tests a running {@link TestNetwork} as a parameter. The network starts once per test JVM (kept in the
 * root {@link ExtensionContext.Store}) and is closed when JUnit closes that store at the end of the run, so
 * every test class of a module shares one network. State lives in {@code target/testnet-state} of the module
 * (override with {@code -Dtorgate.testnet.stateDir=...}), which makes later runs start warm.
 *
 * <p>A start failure is remembered, so later tests fail at once with the same cause instead of each waiting
 * for another full bootstrap timeout.
 */
public final class TestNetworkExtension implements ParameterResolver {

    private static final Logger log = LoggerFactory.getLogger(TestNetworkExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TestNetworkExtension.class);

    /** The module's {@code target/testnet-state}: surefire sets {@code basedir} to the module directory. */
    public static Path defaultStateDir() {
        String configured = System.getProperty("torgate.testnet.stateDir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "testnet-state");
    }

    /**
     * {@link #defaultStateDir()}, or {@code testnet-state-2}, {@code -3}… next to it when another test JVM
     * (a second build in the same checkout) is running a network from it.
     */
    static Path freeStateDir() {
        return freeStateDir(defaultStateDir());
    }

    /** {@code base}, or {@code base-2}, {@code -3}… when another test JVM holds it (for networks of their own). */
    public static Path freeStateDir(Path base) {
        for (int i = 1; i <= 9; i++) {
            Path candidate = i == 1 ? base : base.resolveSibling(base.getFileName() + "-" + i);
            try {
                Files.createDirectories(candidate);
                try (FileChannel ch = FileChannel.open(candidate.resolve(StateDirLock.FILE_NAME),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    FileLock l = ch.tryLock();
                    if (l != null) {
                        l.release();
                        return candidate;
                    }
                }
            } catch (IOException | OverlappingFileLockException e) {
                // taken (or unusable): try the next one
            }
        }
        return base; // TestNetwork.start then says who holds it
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestNetwork.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Started started = extensionContext.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Started.class, k -> Started.start(), Started.class);
        if (started.failure != null) {
            throw new ParameterResolutionException("the test network did not start: " + started.failure.getMessage(),
                    started.failure);
        }
        return started.network;
    }

    /** JUnit closes AutoCloseable values of the root store once all tests of the JVM have run. */
    static final class Started implements AutoCloseable {
        final TestNetwork network;
        final Exception failure;

        private Started(TestNetwork network, Exception failure) {
            this.network = network;
            this.failure = failure;
        }

        static Started start() {
            long t0 = System.nanoTime();
            try {
                TestNetwork net = TestNetwork.start(TestNetwork.Options.builder().stateDir(freeStateDir()).build());
                log.info("test network up in {} ms", (System.nanoTime() - t0) / 1_000_000);
                return new Started(net, null);
            } catch (TestNetworkException | RuntimeException e) {
                log.error("test network did not start", e);
                return new Started(null, e);
            }
        }

        @Override
        public void close() {
            if (network != null) {
                network.close();
            }
        }
    }
}
