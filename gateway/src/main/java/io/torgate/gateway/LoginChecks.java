package io.torgate.gateway;

import io.netty.channel.ChannelHandlerContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Login checks: the throttle that refuses password guessing before any check ({@link LoginThrottle}), and where
 * password checks that may be slow run ({@link Authenticator#checkMayBeSlow}): one thread with a short
 * queue, never an event loop. A flood of wrong passwords against a hash that has not been verified yet then
 * costs at most one core and delays other logins, but never stalls a tunnel; beyond the queue, logins are
 * refused at once rather than piling up.
 */
final class LoginChecks implements AutoCloseable {

    /** Checks waiting beyond the running one; more are refused. */
    static final int QUEUE = 64;

    private static final Logger log = LoggerFactory.getLogger(LoginChecks.class);

    private final ThreadPoolExecutor executor;
    private final LoginThrottle throttle;

    /** Without throttling (benchmarks, tests of other things). */
    LoginChecks() {
        this(LoginLimits.OFF);
    }

    LoginChecks(LoginLimits limits) {
        this(new LoginThrottle(limits, System::nanoTime));
    }

    LoginChecks(LoginThrottle throttle) {
        this.throttle = throttle;
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "torgate-login-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Whether to refuse this login before checking its password: its address or its user is cooling off after too
     * many failures. Never with no users configured (there is no password to guess).
     */
    Optional<LoginThrottle.Refusal> throttled(Authenticator authenticator, SocketAddress client, String user) {
        return authenticator.usersConfigured() ? throttle.refusal(address(client), user) : Optional.empty();
    }

    /** Counts a checked login; logs once, at WARN, when a failure starts a cool-off. */
    void checked(SocketAddress client, String user, boolean accepted) {
        InetAddress source = address(client);
        if (accepted) {
            throttle.succeeded(source, user);
            return;
        }
        throttle.failed(source, user).ifPresent(c -> {
            LoginLimits l = throttle.limits();
            if (c.scope() == LoginThrottle.Scope.SOURCE) {
                log.warn("Refusing logins from {} for {}: {} failed logins within {}", source.getHostAddress(),
                        RefusalLog.describe(l.cooloff()), c.failures(), RefusalLog.describe(l.window()));
            } else {
                log.warn("Refusing logins as user '{}' for {} (except from addresses it logged in from before): {}"
                        + " failed logins within {}", user, RefusalLog.describe(l.cooloff()), c.failures(),
                        RefusalLog.describe(l.window()));
            }
        });
    }

    private static InetAddress address(SocketAddress client) {
        return client instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /**
     * Completes with whether the password is accepted, on the login thread; fails with
     * {@link RejectedExecutionException} when too many checks are waiting (or the gateway stopped).
     */
    CompletableFuture<Boolean> accepts(Authenticator authenticator, String user, String password) {
        try {
            return CompletableFuture.supplyAsync(() -> authenticator.accepts(user, password), executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** What a front door does once a slow login check has an answer; on the channel's event loop. */
    interface Answer {
        /** {@code error} is set when the check could not be made ({@link #whyUnchecked}); then not accepted. */
        void checked(boolean accepted, Throwable error);
    }

    /**
     * Checks a login here and answers on {@code ctx}'s event loop. A client gone by then gets no answer: what it had
     * sent behind its login ({@code held}) is dropped and released.
     */
    void check(ChannelHandlerContext ctx, Authenticator authenticator, String user, String password,
               HeldInput held, Answer then) {
        accepts(authenticator, user, password).whenComplete((ok, error) -> ctx.executor().execute(() -> {
            if (error == null) {
                checked(ctx.channel().remoteAddress(), user, ok);
            }
            if (!ctx.channel().isActive()) {
                held.release();
                return;
            }
            then.checked(error == null && ok, error);
        }));
    }

    /** For the log: why a login could not be checked ({@link #accepts} failed). */
    static String whyUnchecked(Throwable error) {
        return error instanceof RejectedExecutionException ? "too many logins waiting for a password check"
                : error.toString();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
