package dev.faas.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives each test a fresh {@link dev.faas.core.FaasRuntime} on a {@link dev.faas.api.ManualClock}, and
 * a {@link FaasRecorder} of what it runs: injected into fields of those types and into test-method
 * parameters. After the test the runtime is closed, and the test fails if it was left with orphaned
 * threads (a handler still running past its deadline) or with dead letters, unless allowed here.
 *
 * <pre>{@code
 * @FaasTest
 * class ResizeTest {
 *     FaasRuntime runtime;
 *     ManualClock clock;
 *
 *     @Test
 *     void resizes() { ... }
 * }
 * }</pre>
 *
 * On a method, it overrides the class's settings for that test.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(FaasExtension.class)
public @interface FaasTest {

    /** The runtime's global concurrency limit. */
    int concurrencyLimit() default 1000;

    /** The prices the ledger bills at. */
    Prices pricing() default Prices.LAMBDA_X86_64;

    /** Where the manual clock starts, ISO-8601. */
    String start() default "2026-01-01T00:00:00Z";

    /** Whether to meter every call's allocation (needs java.lang opened, see the README). */
    boolean allocationMetering() default false;

    /** Whether the test may leave orphaned threads behind. */
    boolean allowOrphans() default false;

    /** Whether the test may leave events in the dead-letter store. */
    boolean allowDeadLetters() default false;

    /** Lambda's published price lists. */
    enum Prices {
        /** {@link dev.faas.api.ledger.Pricing#LAMBDA_X86_64}. */
        LAMBDA_X86_64,
        /** {@link dev.faas.api.ledger.Pricing#LAMBDA_ARM64}. */
        LAMBDA_ARM64
    }
}
