package dev.faas.core;

import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One function's usage: its total, and one counter per minute of invocation start, kept forever so
 * that whole-minute windows stay exact after the records themselves have left the retained ring. The
 * minute most calls fall in is cached, so that recording usually skips the map.
 */
final class FunctionUsage {

    private final UsageCounter total = new UsageCounter();
    private final ConcurrentHashMap<Long, UsageCounter> minutes = new ConcurrentHashMap<>();
    private volatile MinuteCounter current = new MinuteCounter(Long.MIN_VALUE, new UsageCounter());

    private record MinuteCounter(long minute, UsageCounter counter) {
    }

    void add(LedgerEntry entry) {
        total.add(entry);
        long minute = Math.floorDiv(entry.startSecond, 60);
        MinuteCounter cached = current;
        if (cached.minute() == minute) {
            cached.counter().add(entry);
            return;
        }
        UsageCounter counter = minutes.computeIfAbsent(minute, key -> new UsageCounter());
        counter.add(entry);
        if (minute > cached.minute()) {
            current = new MinuteCounter(minute, counter);
        }
    }

    Usage total(Pricing pricing) {
        return total.usage(pricing);
    }

    /** Adds the minutes in {@code [fromMinute, toMinute)} to {@code sum}. */
    void addMinutes(long fromMinute, long toMinute, UsageCounter.Sum sum, Pricing pricing) {
        if (toMinute - fromMinute <= minutes.size()) {
            for (long minute = fromMinute; minute < toMinute; minute++) {
                UsageCounter counter = minutes.get(minute);
                if (counter != null) {
                    sum.add(counter.usage(pricing));
                }
            }
        } else {
            minutes.forEach((minute, counter) -> {
                if (minute >= fromMinute && minute < toMinute) {
                    sum.add(counter.usage(pricing));
                }
            });
        }
    }

    static long minuteOf(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), 60);
    }
}
