package dev.faas.core.internal.async;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.Invoker;
import dev.faas.api.TimeSource;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The idempotency keys of EVENT invocations, each function's apart, to the request id the first
 * event with the key got; a key is forgotten a fixed time after it was written, on the runtime's clock.
 */
public final class IdempotencyKeys {

    private final Cache<String, String> requestIds;

    public IdempotencyKeys(Duration ttl, TimeSource clock) {
        this.requestIds = Caffeine.newBuilder()
                .expireAfterWrite(ttl)
                .ticker(clock::nanoTime)
                .build();
    }

    /**
     * The request id the key got within the window, or the one {@code queue} gives now. A refused
     * event (a full queue throws) leaves no key behind.
     */
    public String once(String function, String key, Supplier<String> queue) {
        check(key);
        return requestIds.get(function + '\u0000' + key, unused -> queue.get());
    }

    /** Refuses a key that is null, blank or too long, with what to give instead. */
    public static void check(String key) {
        if (key == null || key.isBlank() || key.length() > Invoker.MAX_IDEMPOTENCY_KEY) {
            throw new InvalidConfigException(
                    "idempotencyKey",
                    "an idempotency key must be 1 to "
                            + Invoker.MAX_IDEMPOTENCY_KEY + " characters, not blank, but was "
                            + (key == null ? "null" : key.isBlank() ? "blank" : key.length() + " long")
                            + "; use invokeEvent(function, input) for events without one");
        }
    }
}
