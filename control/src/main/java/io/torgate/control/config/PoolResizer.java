package io.torgate.control.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Grows or shrinks the tor pool when a reload changes {@code pool.instances}. The pool owner supplies the real
 * one (the CLI scales through the API's pool admin); without a tor pool, {@link #UNSUPPORTED} says so and changes
 * nothing.
 */
@FunctionalInterface
public interface PoolResizer {

    /** Resizing is not available (no tor pool: the direct or socks5 upstream). */
    PoolResizer UNSUPPORTED = new PoolResizer() {
        private final Logger log = LoggerFactory.getLogger(PoolResizer.class);

        @Override
        public String resize(int from, int to) {
            String message = "pool resize to " + to + " not supported yet; still " + from + " instance(s)";
            log.warn(message);
            return message;
        }
    };

    /**
     * Starts moving the pool from {@code from} to {@code to} instances without waiting for it; must not drop
     * live tunnels needlessly. Returns a sentence for the reload result, e.g. "pool resizing from 2 to 4".
     */
    String resize(int from, int to);
}
