package dev.faas.api.ledger;

import dev.faas.api.InvalidConfigException;
import java.time.Duration;

/**
 * What a journal write waits for, and so what a crash can lose.
 *
 * @param mode when records are forced to disk
 * @param interval how often records are forced in {@link Mode#INTERVAL}; zero otherwise
 */
public record Durability(Mode mode, Duration interval) {

    private static final Duration MAX_INTERVAL = Duration.ofDays(365);
    private static final Durability SYNC = new Durability(Mode.SYNC, Duration.ZERO);
    private static final Durability OS = new Durability(Mode.OS, Duration.ZERO);

    /** Checks that the interval fits the mode. */
    public Durability {
        if (mode == null) {
            throw new InvalidConfigException(
                    "durability", "a Durability needs a mode: use Durability.sync()," + " every(interval) or os()");
        }
        if (interval == null
                || (mode == Mode.INTERVAL
                        ? interval.compareTo(Duration.ofMillis(1)) < 0 || interval.compareTo(MAX_INTERVAL) > 0
                        : !interval.isZero())) {
            throw new InvalidConfigException(
                    "durability",
                    mode == Mode.INTERVAL
                            ? "Durability.every needs an interval between 1 ms and 365 days, but was " + interval
                            : "only Durability.every(...) takes an interval");
        }
    }

    /**
     * A call returns only after its record is forced to disk; calls that end together share one
     * force (group commit). A crash loses nothing a caller has seen.
     *
     * @return the policy
     */
    public static Durability sync() {
        return SYNC;
    }

    /**
     * Records are forced every {@code interval}: a crash of the machine can lose up to that much.
     *
     * @param interval how often to force, at least 1 ms
     * @return the policy
     */
    public static Durability every(Duration interval) {
        return new Durability(Mode.INTERVAL, interval);
    }

    /**
     * Records are written but never forced: a crash of the process loses nothing written, a crash
     * of the machine can lose what the OS had not yet flushed.
     *
     * @return the policy
     */
    public static Durability os() {
        return OS;
    }

    /** When a journal forces its records to disk. */
    public enum Mode {
        /** Before the call returns. */
        SYNC,
        /** Every {@link Durability#interval()}. */
        INTERVAL,
        /** When the operating system decides. */
        OS
    }
}
