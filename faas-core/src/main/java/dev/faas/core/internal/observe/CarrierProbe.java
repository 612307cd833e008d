package dev.faas.core.internal.observe;

import dev.faas.core.internal.util.Periodic;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Watches, for the whole JVM, whether virtual threads get a carrier: every quarter of a second a
 * platform thread starts a virtual thread that does nothing and sees how long it takes to run. One
 * that waits past {@link #STARVED_NANOS} means every carrier of the JDK's scheduler is held (most
 * likely by handlers that compute without blocking); the listeners hear when such an episode begins
 * and when it ends. It costs one tiny virtual thread per probe, and runs only while a runtime
 * listens.
 */
public final class CarrierProbe {

    /** How long a virtual thread may wait for a carrier before the scheduler counts as starved. */
    static final long STARVED_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final long PERIOD_MILLIS = 250;
    private static final Periodic PROBER = new Periodic("faas-carrier-probe", Duration.ofMillis(PERIOD_MILLIS));
    private static final CarrierProbe JVM = new CarrierProbe();

    /** Hears the episodes. Called on the probe's thread: must be quick, and must not throw. */
    interface Listener {
        void starved(long waitedNanos);

        void recovered(long waitedNanos);
    }

    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
    private Runnable stopProbing; // guarded by this

    private CarrierProbe() {}

    /** Adds a listener, starting the probe if it is the first; the handle's {@code run()} removes it. */
    public static Runnable listen(Listener listener) {
        synchronized (JVM) {
            if (JVM.listeners.isEmpty()) {
                JVM.stopProbing = PROBER.add(JVM::probeOnce);
            }
            JVM.listeners.add(listener);
        }
        return () -> {
            synchronized (JVM) {
                if (JVM.listeners.remove(listener) && JVM.listeners.isEmpty()) {
                    JVM.stopProbing.run();
                }
            }
        };
    }

    private void probeOnce() {
        try {
            probe();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
