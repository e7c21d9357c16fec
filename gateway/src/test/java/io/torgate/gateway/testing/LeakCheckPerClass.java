package io.torgate.gateway.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * For test classes of pure code that touch no Netty buffers: {@link NettyLeakExtension} checks for leaks once
 * after the class instead of after every test. The forced GCs of a per-test check cost ~150 ms each, which
 * for a large parameterised class of pure tests is most of the module's test time and finds nothing more.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface LeakCheckPerClass {
}
