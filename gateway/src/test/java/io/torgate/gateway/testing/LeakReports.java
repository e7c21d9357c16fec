package io.torgate.gateway.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Catches Netty's leak reports. ResourceLeakDetector logs a {@code LEAK:} error when it finds a buffer that was
 * garbage-collected without being released; an appender on its logger collects those messages. Detection only
 * happens when a GC has queued the dead buffer and a later allocation polls the queue, so
 * {@link #collectAfterGc()} forces both.
 */
public final class LeakReports {

    private static final String APPENDER = "torgate-netty-leak-collector";
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();

    private LeakReports() {
    }

    /** Idempotent; re-attaches the appender if a test reset the logging configuration. */
    public static synchronized void install() {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            // Every buffer tracked, so a leak is found every time, not one time in 128.
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        if (!logger.isErrorEnabled()) {
            logger.setLevel(Level.ERROR);
        }
        if (logger.getAppender(APPENDER) != null) {
            return;
        }
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                String message = event.getFormattedMessage();
                if (message != null && message.contains("LEAK:")) {
                    REPORTS.add(message);
                }
            }
        };
        appender.setName(APPENDER);
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    /** Forces garbage collection and leak detection, then returns (and forgets) every report seen so far. */
    public static List<String> collectAfterGc() {
        install();
        for (int round = 0; round < 3; round++) {
            gcAndAwaitReferenceProcessing();
            allocateToPollLeakQueue();
        }
        List<String> reports = new ArrayList<>();
        String report;
        while ((report = REPORTS.poll()) != null) {
            reports.add(report);
        }
        return reports;
    }

    /** Returns once the GC has enqueued a weak reference, i.e. reference processing has run. */
    private static void gcAndAwaitReferenceProcessing() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        try {
            queue.remove(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sentinel.clear();
    }

    /** ResourceLeakDetector reports what the GC queued when the next tracked buffer is allocated. */
    private static void allocateToPollLeakQueue() {
        ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(1);
        pooled.release();
        ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.heapBuffer(1);
        unpooled.release();
    }
}
