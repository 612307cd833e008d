package dev.faas.core.internal.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

final class RetainedEntriesTest {

    @Test
    void keepsTheNewestEntriesOldestFirst() {
        RetainedEntries retained = new RetainedEntries(3);
        for (long n = 1; n <= 5; n++) {
            retained.add(entry(0, n));
        }

        assertThat(retained.snapshot())
                .extracting(entry -> entry.durationNanos())
                .containsExactly(3L, 4L, 5L);
    }

    @Test
    void aSlotWrittenOverHoldsTheNewEntrysFunctionAndErrorOnly() {
        RetainedEntries retained = new RetainedEntries(1);
        retained.add(failed(entry(1, 1), "java.lang.IllegalStateException"));
        retained.add(entry(2, 2));

        assertThat(retained.snapshot()).singleElement().satisfies(entry -> {
            assertThat(entry.function()).isEqualTo("f2");
            assertThat(entry.errorType()).isNull();
        });

        retained.add(failed(entry(2, 3), "java.lang.IllegalStateException"));
        assertThat(retained.snapshot())
                .singleElement()
                .extracting(LedgerEntry::errorType)
                .isEqualTo("java.lang.IllegalStateException");
    }

    private static LedgerEntry failed(LedgerEntry entry, String errorType) {
        return new LedgerEntry(
                entry.idHigh(),
                entry.idLow(),
                null,
                entry.function(),
                entry.version(),
                entry.type(),
                Outcome.ERROR,
                entry.startSecond(),
                entry.startNano(),
                entry.durationNanos(),
                entry.initNanos(),
                entry.attempt(),
                entry.memoryMb(),
                entry.billedDurationMs(),
                entry.allocatedBytes(),
                errorType,
                null,
                null);
    }

    @Test
    void keepsNothingWithACapacityOfZero() {
        RetainedEntries retained = new RetainedEntries(0);
        retained.add(entry(0, 1));

        assertThat(retained.snapshot()).isEmpty();
    }

    @Test
    void aSnapshotTakenWhileWritersComeRoundTheRingIsNeverTornDuplicatedOrOutOfOrder() throws Exception {
        int writers = 4;
        int perWriter = 200_000;
        RetainedEntries retained = new RetainedEntries(1_000);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        try (ExecutorService threads = Executors.newFixedThreadPool(writers + 1)) {
            List<Future<?>> written = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                written.add(threads.submit(() -> {
                    start.await();
                    for (long n = 1; n <= perWriter; n++) {
                        retained.add(entry(writer, n));
                    }
                    return null;
                }));
            }
            Future<Integer> checked = threads.submit(() -> {
                start.await();
                int snapshots = 0;
                while (writing.get() || snapshots == 0) {
                    checkConsistent(retained.snapshot(), writers);
                    snapshots++;
                }
                return snapshots;
            });
            start.countDown();
            for (Future<?> writer : written) {
                writer.get();
            }
            writing.set(false);
            assertThat(checked.get()).isPositive();
        }

        List<LedgerEntry> last = retained.snapshot();
        assertThat(last).hasSize(1_000);
        checkConsistent(last, writers);
        assertThat(last).anySatisfy(entry -> assertThat(entry.durationNanos()).isEqualTo(perWriter));
    }

    /** Every value of an entry comes from one add; each writer's entries appear once, in its order. */
    private static void checkConsistent(List<LedgerEntry> snapshot, int writers) {
        long[] lastSeen = new long[writers];
        for (LedgerEntry entry : snapshot) {
            int writer = (int) entry.idHigh();
            long n = entry.durationNanos();
            assertThat(entry.idLow()).isEqualTo(n);
            assertThat(entry.billedDurationMs()).isEqualTo(n);
            assertThat(entry.allocatedBytes()).isEqualTo(n);
            assertThat(entry.attempt()).isEqualTo((int) n);
            assertThat(entry.function()).isEqualTo("f" + writer);
            assertThat(n).isGreaterThan(lastSeen[writer]);
            lastSeen[writer] = n;
        }
    }

    private static LedgerEntry entry(int writer, long n) {
        return new LedgerEntry(
                writer,
                n,
                null,
                FUNCTIONS[writer],
                "$LATEST",
                InvocationType.EVENT,
                Outcome.SUCCESS,
                n,
                0,
                n,
                -1,
                (int) n,
                128,
                n,
                n,
                null,
                null,
                null);
    }

    private static final String[] FUNCTIONS = {"f0", "f1", "f2", "f3"};
}
