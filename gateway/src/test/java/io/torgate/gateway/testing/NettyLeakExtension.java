package io.torgate.gateway.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty reports a leaked buffer. After each test (and after each class, for class-level
 * resources) it forces a GC and an allocation so paranoid leak detection runs, and turns any {@code LEAK:} report
 * into an AssertionError. Classes marked {@link LeakCheckPerClass} are checked only after the class.
 * <p>
 * Registered for every gateway test by JUnit's extension auto-detection ({@code META-INF/services} +
 * {@code junit-platform.properties}); other modules get it from the gateway test-jar, either the same way or with
 * {@code @ExtendWith(NettyLeakExtension.class)}.
 */
public final class NettyLeakExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        LeakReports.install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context == null || checksEachTest(context.getTestClass().orElse(null))) {
            failOnLeaks();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        failOnLeaks();
    }

    /** False for classes marked {@link LeakCheckPerClass}: those are checked in {@link #afterAll} only. */
    static boolean checksEachTest(Class<?> testClass) {
        return testClass == null || !testClass.isAnnotationPresent(LeakCheckPerClass.class);
    }

    private static void failOnLeaks() {
        List<String> leaks = LeakReports.collectAfterGc();
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leaked buffer(s):\n"
                    + String.join("\n\n", leaks));
        }
    }
}
