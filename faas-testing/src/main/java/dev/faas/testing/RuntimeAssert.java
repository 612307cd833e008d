package dev.faas.testing;

import dev.faas.api.DestinationEvent;
import dev.faas.core.FaasRuntime;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a runtime: its functions' invocations, its dead letters, its threads. */
public final class RuntimeAssert extends AbstractAssert<RuntimeAssert, FaasRuntime> {

    RuntimeAssert(FaasRuntime actual) {
        super(actual, RuntimeAssert.class);
    }

    /**
     * Assertions on one function, by name; it need not be deployed any more.
     *
     * @param name the function's name
     * @return its assertions
     */
    public FunctionAssert function(String name) {
        isNotNull();
        return new FunctionAssert(actual, name);
    }

    /** Checks that no event ended in the dead-letter store. */
    public RuntimeAssert hasNoDeadLetters() {
        isNotNull();
        List<DestinationEvent> letters = actual.deadLetters();
        if (!letters.isEmpty()) {
            failWithMessage("Expected no dead letters, but found %d: %s", letters.size(), letters);
        }
        return this;
    }

    /**
     * Checks how many events ended in the dead-letter store.
     *
     * @param expected how many
     * @return these assertions
     */
    public RuntimeAssert hasDeadLetters(int expected) {
        isNotNull();
        int actualCount = actual.deadLetters().size();
        if (actualCount != expected) {
            failWithMessage("Expected %d dead letters, but found %d: %s", expected, actualCount, actual.deadLetters());
        }
        return this;
    }

    /** Checks that no handler runs on past its deadline or memory stop. */
    public RuntimeAssert hasNoOrphanedThreads() {
        isNotNull();
        int orphans = actual.status().orphanedThreads();
        if (orphans != 0) {
            failWithMessage(
                    "Expected no orphaned threads, but found %d: handlers still running past their deadline or"
                            + " memory stop",
                    orphans);
        }
        return this;
    }
}
