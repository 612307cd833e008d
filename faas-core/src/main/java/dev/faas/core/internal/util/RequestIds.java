package dev.faas.core.internal.util;

import dev.faas.api.Context;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;
import org.slf4j.helpers.NOPMDCAdapter;

/**
 * Request ids: random (version 4) UUIDs drawn from {@link ThreadLocalRandom}, not from
 * {@link UUID#randomUUID()}, whose SecureRandom costs a lock and far more time on the hot path.
 * 122 random bits keep collisions out of reach; the ids are not secrets and must not be used as such.
 * The caller draws the bits; the text is made later, on the invocation's own thread.
 */
public final class RequestIds {

    /** Whether a logging backend keeps an MDC: without one, the MDC calls are skipped altogether. */
    private static final boolean MDC_KEPT = !(MDC.getMDCAdapter() instanceof NOPMDCAdapter);

    private RequestIds() {}

    public static long high() {
        return (ThreadLocalRandom.current().nextLong() & ~0xF000L) | 0x4000L;
    }

    public static long low() {
        return (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    }

    public static String format(long high, long low) {
        return new UUID(high, low).toString();
    }

    /**
     * Puts the MDC keys a handler's log lines carry, {@code requestId} and {@code function}; without
     * a backend that keeps an MDC, the id is not even formatted.
     */
    public static void putMdc(Context call) {
        if (MDC_KEPT) {
            MDC.put("requestId", call.requestId());
            MDC.put("function", call.functionName());
        }
    }

    public static void clearMdc() {
        if (MDC_KEPT) {
            MDC.clear();
        }
    }
}
