package dev.faas.core;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Where handlers wait until the test lets them go: each arrival is counted, so that the test can
 * wait for as many handlers as it needs at the gate, and one {@link #open()} lets all of them (and
 * every later one) through. {@link RuntimeFixture#gate()} makes them and opens them after the test,
 * whatever happened in it.
 */
final class Gate {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final Semaphore arrivals = new Semaphore(0);
    private final CountDownLatch opened = new CountDownLatch(1);

    /** In a handler: arrives, then waits until the gate opens (an interrupt, a timeout, ends the wait). */
    void pass() throws InterruptedException {
        arrive();
        opened.await();
    }

    /** In a handler that waits elsewhere: only says it got here. */
    void arrive() {
        arrivals.release();
    }

    /** In the test: waits until {@code handlers} more have arrived since the last such wait. */
    void awaitArrivals(int handlers) {
        boolean arrived;
        try {
            arrived = arrivals.tryAcquire(handlers, PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for handlers at the gate", e);
        }
        if (!arrived) {
            throw new AssertionError("only " + arrivals.availablePermits() + " of " + handlers
                    + " handlers reached the gate within " + PATIENCE.toSeconds() + " s");
        }
    }

    void open() {
        opened.countDown();
    }
}
