package dev.faas.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches, for the whole JVM, whether virtual threads get a carrier: every quarter of a second a
 * platform thread starts a virtual thread that does nothing and sees how long it takes to run. One
 * that waits past {@link #STARVED_NANOS} means every carrier of the JDK's scheduler is held (most
 * likely by handlers that compute without blocking); the listeners hear when such an episode begins
 * and when it ends. It costs one tiny virtual thread per probe, and runs only while a runtime
 * listens.
 */
final class CarrierProbe {

    /** How long a virtual thread may wait for a carrier before the scheduler counts as starved. */
    static final long STARVED_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long PERIOD_MILLIS = 250;
    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);
    private static final CarrierProbe JVM = new CarrierProbe();

    /** Hears the episodes. Called on the probe's thread: must be quick, and must not throw. */
    interface Listener {
        void starved(long waitedNanos);

        void recovered(long waitedNanos);
    }

    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
    private Thread prober; // guarded by this

    private CarrierProbe() {
    }

    /** Adds a listener, starting the probe if it is the first; the handle's {@code run()} removes it. */
    static Runnable listen(Listener listener) {
        JVM.listeners.add(listener);
        JVM.ensureRunning();
        return () -> JVM.listeners.remove(listener);
    }

    private synchronized void ensureRunning() {
        if (prober == null || !prober.isAlive()) {
            prober = Thread.ofPlatform().name("faas-carrier-probe").daemon().start(this::probeLoop);
        }
    }

    private void probeLoop() {
        while (true) {
            try {
                if (listeners.isEmpty()) {
                    synchronized (this) {
                        if (listeners.isEmpty()) {
                            prober = null;
                            return;
                        }
                    }
                }
                probe();
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable unexpected) { // an OutOfMemoryError of someone else's making: probe again later
                try {
                    log.debug("faas: the carrier probe failed once", unexpected);
                    Thread.sleep(PERIOD_MILLIS);
                } catch (Throwable ignored) {
                    // keep probing
                }
            }
        }
    }

    private void probe() throws InterruptedException {
        long start = System.nanoTime();
        CountDownLatch ran = new CountDownLatch(1);
        Thread.ofVirtual().start(ran::countDown);
        if (ran.await(STARVED_NANOS, TimeUnit.NANOSECONDS)) {
            return;
        }
        long waited = System.nanoTime() - start;
        for (Listener listener : listeners) {
            listener.starved(waited);
        }
        ran.await();
        waited = System.nanoTime() - start;
        for (Listener listener : listeners) {
            listener.recovered(waited);
        }
    }
}
