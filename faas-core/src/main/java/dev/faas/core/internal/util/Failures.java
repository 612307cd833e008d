package dev.faas.core.internal.util;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Text about a user's throwable, made without trusting it: its {@code getMessage()} and
 * {@code toString()} are user code that may throw, or return a message of any length (a chain of
 * nested invocations repeats every inner message in each outer one). Nothing here throws, and what
 * it returns is bounded.
 */
public final class Failures {

    private static final Logger log = LoggerFactory.getLogger(Logs.RUNTIME);

    /** The most characters of a user's message that the runtime repeats (in errors, logs, events). */
    static final int MAX_MESSAGE = 2_000;
    /** The most causes of a chain the runtime looks at. */
    private static final int MAX_CAUSES = 16;

    private Failures() {}

    /**
     * Loads and initialises this class, which a runtime calls as it is built: the catch-alls of its
     * threads call in here, and a class first loaded during an OutOfMemoryError may fail to load and
     * take the catching thread with it.
     */
    public static void load() {
        // the call is the point
    }

    /** The throwable as {@code Throwable.toString()} would print it: its class name and its message. */
    public static String describe(Throwable failure) {
        String type = failure.getClass().getName();
        String message = message(failure);
        return message == null ? type : type + ": " + message;
    }

    /** Its message, bounded; null when it has none; a note in its place when asking for it throws. */
    public static String message(Throwable failure) {
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
    public static void survived(String thread, Throwable failure) {
        try {
            log.warn("faas: {} met {}; it carries on", thread, describe(failure));
        } catch (Throwable unreportable) {
            // nothing more to be done
        }
    }

    /**
     * What to hand a logging backend, which prints a throwable's message, stack and causes in full:
     * the throwable itself when its chain describes itself well, else a stand-in chain that prints the
     * same classes' descriptions, bounded, with the same stacks (a message of fifty million
     * characters, or a {@code getMessage()} that throws, would otherwise reach the log as it is).
     */
    public static Throwable printable(Throwable failure) {
        return behaves(failure) ? failure : standIn(failure, 0);
    }

    @SuppressWarnings("ReturnValueIgnored") // toString() and getStackTrace() are called for what they throw
    private static boolean behaves(Throwable failure) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < MAX_CAUSES; depth++) {
            try {
                String message = current.getMessage();
                if (message != null && message.length() > MAX_MESSAGE) {
                    return false;
                }
                current.toString();
                current.getStackTrace();
                Throwable cause = current.getCause();
                current = cause == current ? null : cause;
            } catch (Throwable broken) {
                return false;
            }
        }
        return current == null;
    }

    private static Throwable standIn(Throwable failure, int depth) {
        Throwable cause = null;
        if (depth < MAX_CAUSES) {
            try {
                Throwable original = failure.getCause();
                cause = original == null || original == failure ? null : standIn(original, depth + 1);
            } catch (Throwable broken) {
                cause = null;
            }
        }
        StandIn standIn = new StandIn(describe(failure), cause);
        try {
            standIn.setStackTrace(failure.getStackTrace());
        } catch (Throwable broken) {
            standIn.setStackTrace(new StackTraceElement[0]);
        }
        return standIn;
    }

    /** Prints as the throwable it stands in for would, had it behaved: its description, its stack. */
    static final class StandIn extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        StandIn(String description, Throwable cause) {
            super(description, cause, false, true);
        }

        @Override
        @SuppressWarnings("OverrideThrowableToString") // it prints as the original did: its description only
        public String toString() {
            return getMessage();
        }
    }

    static String bounded(String text) {
        return text.length() <= MAX_MESSAGE
                ? text
                : text.substring(0, MAX_MESSAGE) + "... (" + (text.length() - MAX_MESSAGE) + " more characters)";
    }
}
