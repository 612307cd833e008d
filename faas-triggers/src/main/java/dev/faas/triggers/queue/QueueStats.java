package dev.faas.triggers.queue;

import java.time.Duration;

/**
 * What a queue holds, as SQS's approximate attributes count it.
 *
 * @param visible messages a receive would return now (ApproximateNumberOfMessages)
 * @param inFlight messages received and neither deleted nor visible again (ApproximateNumberOfMessagesNotVisible)
 * @param delayed messages sent with a delay that has not passed (ApproximateNumberOfMessagesDelayed)
 * @param oldestAge the age of the oldest message held (ApproximateAgeOfOldestMessage); zero when empty
 * @param expired messages dropped, ever, for being older than the retention period
 * @param deadLettered messages moved, ever, to the dead-letter queue
 */
public record QueueStats(int visible, int inFlight, int delayed, Duration oldestAge, long expired, long deadLettered) {

    /** Messages held: visible, in flight or delayed. */
    public int held() {
        return visible + inFlight + delayed;
    }
}
