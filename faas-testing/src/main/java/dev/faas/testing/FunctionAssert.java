package dev.faas.testing;

import dev.faas.api.DestinationEvent;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.core.FaasRuntime;
import java.util.List;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ListAssert;

/** Assertions on one function of a runtime. */
public final class FunctionAssert extends AbstractAssert<FunctionAssert, String> {

    private final FaasRuntime runtime;

    FunctionAssert(FaasRuntime runtime, String function) {
        super(function, FunctionAssert.class);
        this.runtime = runtime;
    }

    /** The function's invocations so far, oldest first, from the runtime's ledger (retries included). */
    public InvocationsAssert invocations() {
        List<InvocationRecord> records = runtime.ledger().entries().stream()
                .filter(record -> record.function().equals(actual))
                .toList();
        return new InvocationsAssert(records).as("invocations of '%s'", actual);
    }

    /** The dead letters of this function's events, oldest first. */
    public ListAssert<DestinationEvent> deadLetters() {
        return Assertions.assertThat(runtime.deadLetters().stream()
                        .filter(letter -> letter.function().equals(actual))
                        .toList())
                .as("dead letters of '%s'", actual);
    }

    /** Checks that the function is deployed. */
    public FunctionAssert isDeployed() {
        if (runtime.describe(actual).isEmpty()) {
            failWithMessage("Expected function '%s' to be deployed, but it is not", actual);
        }
        return this;
    }

    /** Checks that the function is not deployed. */
    public FunctionAssert isNotDeployed() {
        if (runtime.describe(actual).isPresent()) {
            failWithMessage("Expected function '%s' not to be deployed, but it is", actual);
        }
        return this;
    }
}
