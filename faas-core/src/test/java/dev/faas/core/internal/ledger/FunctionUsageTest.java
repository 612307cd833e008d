package dev.faas.core.internal.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

final class FunctionUsageTest {

    private static final long MINUTE_10 = 10 * 60;

    private final FunctionUsage usage = new FunctionUsage();

    @Test
    void sumsEachMinuteWhetherItsCallsCameInOrderOrLate() {
        usage.add(call(1, MINUTE_10 + 5, Outcome.SUCCESS, 2));
        usage.add(call(1, MINUTE_10 + 70, Outcome.ERROR, 3)); // minute 11: minute 10 becomes the cell's previous
        usage.add(call(1, MINUTE_10 + 10, Outcome.SUCCESS, 4)); // a late call of minute 10, still in the cell
        usage.add(call(1, MINUTE_10 - 30, Outcome.SUCCESS, 6)); // minute 9, older than both: into the map
        usage.add(call(2, MINUTE_10 + 20, Outcome.TIMEOUT, 5)); // another cell
        assertThat(minutes(9, 12)).isEqualTo(new long[] {5, 20});

        usage.add(call(1, MINUTE_10 + 130, Outcome.SUCCESS, 7)); // minute 12 moves minute 10 into the map

        assertThat(minutes(9, 10)).isEqualTo(new long[] {1, 6});
        assertThat(minutes(10, 11)).isEqualTo(new long[] {3, 11});
        assertThat(minutes(11, 12)).isEqualTo(new long[] {1, 3});
        assertThat(minutes(12, 13)).isEqualTo(new long[] {1, 7});
        assertThat(minutes(9, 13)).isEqualTo(new long[] {6, 27});
        assertThat(minutes(13, 20)).isEqualTo(new long[] {0, 0});
        assertThat(usage.total(Pricing.LAMBDA_X86_64).requests()).isEqualTo(6);
        assertThat(usage.total(Pricing.LAMBDA_X86_64).billedDurationMs()).isEqualTo(27);
    }

    @Test
    void keepsRecoveredRecordsWithTheirOwnDecimals() {
        usage.add(new LedgerEntry(
                1,
                1,
                null,
                "f",
                "$LATEST",
                InvocationType.EVENT,
                Outcome.SUCCESS,
                MINUTE_10,
                0,
                1_000_000,
                -1,
                1,
                128,
                1,
                -1,
                null,
                new BigDecimal("0.5"),
                new BigDecimal("7")));
        usage.add(call(1, MINUTE_10, Outcome.SUCCESS, 1));

        Usage total = usage.total(Pricing.LAMBDA_X86_64);
        assertThat(total.requests()).isEqualTo(2);
        assertThat(total.cost()).isEqualByComparingTo(new BigDecimal("7").add(Pricing.LAMBDA_X86_64.cost(128, 1)));
        assertThat(minutes(10, 11)).isEqualTo(new long[] {2, 2});
    }

    @Test
    void aReaderOfMinutesNeverCountsACallTwiceOrMissesOneWhileWritersMoveOn() throws Exception {
        int writers = 4;
        int perWriter = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        try (ExecutorService threads = Executors.newFixedThreadPool(writers + 1)) {
            List<Future<?>> written = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                long id = w;
                written.add(threads.submit(() -> {
                    start.await();
                    for (int n = 0; n < perWriter; n++) {
                        // a thousand calls a minute, so that cells keep moving on, and now and then a late one
                        long minute = n / 1000 - (n % 7 == 0 && n >= 2000 ? 2 : 0);
                        usage.add(call(id + n, MINUTE_10 + minute * 60, Outcome.SUCCESS, 1));
                    }
                    return null;
                }));
            }
            Future<Long> checked = threads.submit(() -> {
                start.await();
                long readings = 0;
                long last = 0;
                while (writing.get()) {
                    long requests = minutes(0, Long.MAX_VALUE / 2)[0];
                    assertThat(requests)
                            .as("never fewer than before, never more than written")
                            .isGreaterThanOrEqualTo(last)
                            .isLessThanOrEqualTo((long) writers * perWriter);
                    last = requests;
                    readings++;
                }
                return readings;
            });
            start.countDown();
            for (Future<?> writer : written) {
                writer.get();
            }
            writing.set(false);
            assertThat(checked.get()).isPositive();
        }
        assertThat(minutes(0, Long.MAX_VALUE / 2)).isEqualTo(new long[] {writers * perWriter, writers * perWriter});
    }

    /** Requests and billed milliseconds of the minutes in [from, to). */
    private long[] minutes(long fromMinute, long toMinute) {
        UsageSum sum = new UsageSum();
        usage.addMinutes(fromMinute, toMinute, sum);
        Usage total = sum.usage(Pricing.LAMBDA_X86_64);
        return new long[] {total.requests(), total.billedDurationMs()};
    }

    private static LedgerEntry call(long idLow, long startSecond, Outcome outcome, long billedMs) {
        return new LedgerEntry(
                0,
                idLow,
                null,
                "f",
                "$LATEST",
                InvocationType.REQUEST_RESPONSE,
                outcome,
                startSecond,
                0,
                billedMs * 1_000_000,
                -1,
                1,
                128,
                billedMs,
                -1,
                outcome == Outcome.SUCCESS ? null : "E",
                null,
                null);
    }
}
