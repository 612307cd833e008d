package dev.faas.core;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: random (version 4) UUIDs drawn from {@link ThreadLocalRandom}, not from
 * {@link UUID#randomUUID()}, whose SecureRandom costs a lock and far more time on the hot path.
 * 122 random bits keep collisions out of reach; the ids are not secrets and must not be used as such.
 */
final class RequestIds {

    private RequestIds() {
    }

    static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mostSignificant = (random.nextLong() & ~0xF000L) | 0x4000L;
        long leastSignificant = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(mostSignificant, leastSignificant).toString();
    }
}
