package dev.faas.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Text about a user's throwable, made without trusting it: its {@code getMessage()} and
 * {@code toString()} are user code that may throw, or return a message of any length (a chain of
 * nested invocations repeats every inner message in each outer one). Nothing here throws, and what
 * it returns is bounded.
 */
final class Failures {

    private static final Logger log = LoggerFactory.getLogger(FaasRuntime.class);

    /** The most characters of a user's message that the runtime repeats (in errors, logs, events). */
    static final int MAX_MESSAGE = 2_000;

    private Failures() {
    }

    /** The throwable as {@code Throwable.toString()} would print it: its class name and its message. */
    static String describe(Throwable failure) {
        String type = failure.getClass().getName();
        String message = message(failure);
        return message == null ? type : type + ": " + message;
    }

    /** Its message, bounded; null when it has none; a note in its place when asking for it throws. */
    static String message(Throwable failure) {
        String message;
        try {
            message = failure.getMessage();
        } catch (Throwable broken) {
            return "(its getMessage() threw " + broken.getClass().getName() + ")";
        }
        return message == null ? null : bounded(message);
    }

    /**
     * Reports a failure that one of the runtime's own threads lives through (an OutOfMemoryError a
     * handler caused, most likely); under memory pressure even logging may fail, and is given up.
     */
    static void survived(String thread, Throwable failure) {
        try {
            log.warn("faas: {} met {}; it carries on", thread, describe(failure));
        } catch (Throwable unreportable) {
            // nothing more to be done
        }
    }

    static String bounded(String text) {
        return text.length() <= MAX_MESSAGE ? text
                : text.substring(0, MAX_MESSAGE) + "... (" + (text.length() - MAX_MESSAGE) + " more characters)";
    }
}
