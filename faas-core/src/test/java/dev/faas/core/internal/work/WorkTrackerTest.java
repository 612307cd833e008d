package dev.faas.core.internal.work;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class WorkTrackerTest {

    private final WorkTracker tracker = new WorkTracker(Thread.ofVirtual().factory());
    private final CountDownLatch release = new CountDownLatch(1);

    @Test
    void estimatesExactlyWhileEveryStripeIsSmall() throws InterruptedException {
        List<Parked> units = park(300, 3);

        assertThat(tracker.estimate(Parked.class, Parked::marked))
                .isEqualTo(units.stream().filter(Parked::marked).count());
        release.countDown();
    }

    @Test
    void estimatesFromSamplesWhenStripesHoldThousands() throws InterruptedException {
        List<Parked> units = park(60_000, 4); // a few thousand a stripe: each is sampled, not walked

        long marked = units.stream().filter(Parked::marked).count();
        assertThat((double) tracker.estimate(Parked.class, Parked::marked)).isCloseTo(marked, within(marked * 0.1));
        assertThat(tracker.estimate(Parked.class, unit -> true)).isCloseTo(60_000, within(600));
        assertThat(tracker.estimate(Task.class, unit -> true)).isZero();
        release.countDown();
    }

    /** Starts {@code count} parked units, about one in {@code oneIn} marked, at random. */
    private List<Parked> park(int count, int oneIn) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(17);
        CountDownLatch running = new CountDownLatch(count);
        List<Parked> units = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Parked unit = new Parked(tracker, random.nextInt(oneIn) == 0, running, release);
            tracker.start(unit);
            units.add(unit);
        }
        running.await();
        return units;
    }

    private static final class Parked extends Work {
        private final boolean marked;
        private final CountDownLatch running;
        private final CountDownLatch release;

        Parked(WorkTracker tracker, boolean marked, CountDownLatch running, CountDownLatch release) {
            super(tracker);
            this.marked = marked;
            this.running = running;
            this.release = release;
        }

        boolean marked() {
            return marked;
        }

        @Override
        protected void execute() {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        protected boolean blocksDrain() {
            return false;
        }

        @Override
        public String describe() {
            return "a parked unit";
        }
    }
}
