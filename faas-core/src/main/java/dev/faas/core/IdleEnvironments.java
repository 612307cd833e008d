package dev.faas.core;

import dev.faas.api.Handler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The idle environments of one pool: a few stacks, each a pair of arrays (the handlers, and when each
 * became idle) under a lock word of its own, newest on top and oldest at the bottom. An environment
 * is its handler: nothing else is kept per environment, so giving one back writes only to the top
 * of a stack, which the previous call through that stack left in the cache. (An object per
 * environment, written when it was given back, was a cache miss per call at 100,000 concurrent
 * calls, each environment being touched once in 10 ms.)
 *
 * <p>Both taking and giving back try the first stack, and use it if its lock is free: under light
 * traffic every call does, so it takes the most recently used environment, a few hot ones serve
 * steady traffic, and the rest age out at the bottom. A call that finds the first stack busy (heavy
 * traffic) tries the others from a place its caller picks at random, so that concurrent calls
 * spread over all the stacks, environments with them, rather than queue for the first one. Nothing
 * is allocated per call but when a stack grows.
 *
 * <p>A take that found every non-empty stack busy waits for one rather than report none: a warm
 * environment must never be passed over for a cold start.
 */
final class IdleEnvironments {

    private final Stack[] stacks;
    private final int mask;

    IdleEnvironments() {
        int count = Integer.highestOneBit(Math.max(2, Runtime.getRuntime().availableProcessors() * 2) - 1) << 1;
        stacks = new Stack[Math.min(count, 64)];
        for (int i = 0; i < stacks.length; i++) {
            stacks[i] = new Stack();
        }
        mask = stacks.length - 1;
    }

    /**
     * Gives back an environment, idle since {@code now} on the runtime's clock.
     *
     * @param spread random bits of the caller's: where to look when the first stack is busy
     */
    void push(Handler<Object, Object> handler, long now, int spread) {
        for (int i = 0; i < stacks.length; i++) {
            Stack stack = stacks[i == 0 ? 0 : (spread + i) & mask];
            if (stack.tryLock()) {
                stack.pushAndUnlock(handler, now);
                return;
            }
        }
        Stack any = stacks[spread & mask];
        any.lock();
        any.pushAndUnlock(handler, now);
    }

    /**
     * The most recently used environment of the first stack, or else of a free one; null when none is idle.
     *
     * @param spread random bits of the caller's: where to look when the first stack is busy or empty
     */
    Handler<Object, Object> poll(int spread) {
        for (int i = 0; i < stacks.length; i++) {
            Stack stack = stacks[i == 0 ? 0 : (spread + i) & mask];
            if (stack.count > 0 && stack.tryLock()) {
                Handler<Object, Object> handler = stack.popAndUnlock();
                if (handler != null) {
                    return handler;
                }
            }
        }
        for (Stack stack : stacks) { // every stack with some was busy, or emptied meanwhile: wait for each
            if (stack.count > 0) {
                stack.lock();
                Handler<Object, Object> handler = stack.popAndUnlock();
                if (handler != null) {
                    return handler;
                }
            }
        }
        return null;
    }

    /**
     * Removes every environment that has been idle for {@code timeoutNanos} or longer at {@code now}
     * (the runtime's clock).
     *
     * @return the removed environments, now owned by the caller
     */
    List<Handler<Object, Object>> removeExpired(long now, long timeoutNanos) {
        List<Handler<Object, Object>> expired = new ArrayList<>();
        for (Stack stack : stacks) {
            stack.lock();
            try {
                int kept = 0;
                while (kept < stack.size && now - stack.idleSince[kept] >= timeoutNanos) {
                    kept++;
                }
                stack.removeBottom(kept, expired);
            } finally {
                stack.unlock();
            }
        }
        return expired;
    }

    /** When the environment idle the longest became idle, or {@code Long.MAX_VALUE} when none is. */
    long oldestIdleSince() {
        long oldest = Long.MAX_VALUE;
        boolean any = false;
        for (Stack stack : stacks) {
            stack.lock();
            try {
                if (stack.size > 0 && (!any || stack.idleSince[0] - oldest < 0)) {
                    oldest = stack.idleSince[0];
                    any = true;
                }
            } finally {
                stack.unlock();
            }
        }
        return oldest;
    }

    /** Removes every idle environment; the caller owns them. */
    List<Handler<Object, Object>> removeAll() {
        List<Handler<Object, Object>> all = new ArrayList<>();
        for (Stack stack : stacks) {
            stack.lock();
            try {
                stack.removeBottom(stack.size, all);
            } finally {
                stack.unlock();
            }
        }
        return all;
    }

    int size() {
        int size = 0;
        for (Stack stack : stacks) {
            size += stack.count;
        }
        return size;
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /**
     * One stack: index 0 is the bottom (the oldest). The lock word, the size and the array
     * references share the object's one cache line; {@code count} mirrors {@code size} for a look
     * without the lock.
     */
    private static final class Stack extends LockWord {

        volatile int count;
        // Guarded by the lock:
        int size;
        Handler<Object, Object>[] handlers = newArray(8);
        long[] idleSince = new long[8];

        void pushAndUnlock(Handler<Object, Object> handler, long now) {
            try {
                if (size == handlers.length) {
                    handlers = Arrays.copyOf(handlers, size * 2);
                    idleSince = Arrays.copyOf(idleSince, size * 2);
                }
                handlers[size] = handler;
                idleSince[size] = now;
                count = ++size;
            } finally {
                unlock();
            }
        }

        /** Pops the newest, or null. */
        Handler<Object, Object> popAndUnlock() {
            try {
                if (size == 0) {
                    return null;
                }
                Handler<Object, Object> handler = handlers[--size];
                handlers[size] = null;
                count = size;
                return handler;
            } finally {
                unlock();
            }
        }

        /** Moves the {@code n} oldest into {@code to}; the lock is held. */
        void removeBottom(int n, List<Handler<Object, Object>> to) {
            if (n == 0) {
                return;
            }
            to.addAll(Arrays.asList(handlers).subList(0, n));
            System.arraycopy(handlers, n, handlers, 0, size - n);
            System.arraycopy(idleSince, n, idleSince, 0, size - n);
            Arrays.fill(handlers, size - n, size, null);
            size -= n;
            count = size;
            if (handlers.length > 64 && size < handlers.length / 4) { // a burst's worth of room, no longer needed
                handlers = Arrays.copyOf(handlers, handlers.length / 2);
                idleSince = Arrays.copyOf(idleSince, idleSince.length / 2);
            }
        }

        @SuppressWarnings("unchecked")
        private static Handler<Object, Object>[] newArray(int length) {
            return (Handler<Object, Object>[]) new Handler<?, ?>[length];
        }
    }
}
