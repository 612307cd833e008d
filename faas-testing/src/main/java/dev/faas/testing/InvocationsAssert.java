package dev.faas.testing;

import dev.faas.api.Outcome;
import dev.faas.api.ledger.InvocationRecord;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractBigDecimalAssert;
import org.assertj.core.api.AbstractListAssert;
import org.assertj.core.api.AbstractLongAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ObjectAssert;

/**
 * Assertions on a function's invocations (ledger records, oldest first): every list assertion of
 * AssertJ ({@code hasSize}, {@code extracting}, ...) and the domain's own.
 */
public final class InvocationsAssert
        extends AbstractListAssert<
                InvocationsAssert, List<InvocationRecord>, InvocationRecord, ObjectAssert<InvocationRecord>> {

    InvocationsAssert(List<InvocationRecord> records) {
        super(records, InvocationsAssert.class);
    }

    @Override
    protected ObjectAssert<InvocationRecord> toAssert(InvocationRecord value, String description) {
        return new ObjectAssert<>(value).as(description);
    }

    @Override
    protected InvocationsAssert newAbstractIterableAssert(Iterable<? extends InvocationRecord> iterable) {
        List<InvocationRecord> records = new java.util.ArrayList<>();
        iterable.forEach(records::add);
        return new InvocationsAssert(records);
    }

    /** Checks that every invocation succeeded. */
    public InvocationsAssert allSucceeded() {
        isNotNull();
        List<String> failed = actual.stream()
                .filter(record -> record.outcome() != Outcome.SUCCESS)
                .map(record -> record.requestId() + " " + record.outcome()
                        + record.errorType().map(e -> " " + e).orElse(""))
                .toList();
        if (!failed.isEmpty()) {
            failWithMessage(
                    "Expected all %d invocations to succeed, but %d did not: %s", actual.size(), failed.size(), failed);
        }
        return this;
    }

    /**
     * Checks the invocations' outcomes, in order.
     *
     * @param expected the outcomes, oldest first
     * @return these assertions
     */
    public InvocationsAssert hasOutcomes(Outcome... expected) {
        isNotNull();
        List<Outcome> outcomes = actual.stream().map(InvocationRecord::outcome).toList();
        if (!outcomes.equals(Arrays.asList(expected))) {
            failWithMessage("Expected outcomes %s, but were %s", Arrays.asList(expected), outcomes);
        }
        return this;
    }

    /**
     * Checks how many invocations were cold starts.
     *
     * @param expected how many
     * @return these assertions
     */
    public InvocationsAssert hasColdStarts(int expected) {
        isNotNull();
        long coldStarts = actual.stream().filter(InvocationRecord::coldStart).count();
        if (coldStarts != expected) {
            failWithMessage(
                    "Expected %d cold starts among %d invocations, but there were %d",
                    expected, actual.size(), coldStarts);
        }
        return this;
    }

    /**
     * Checks the invocations' attempt numbers, in order (1 for a first try, 2 and 3 for retries).
     *
     * @param expected the attempt numbers, oldest first
     * @return these assertions
     */
    public InvocationsAssert hasAttempts(int... expected) {
        isNotNull();
        int[] attempts = actual.stream().mapToInt(InvocationRecord::attempt).toArray();
        if (!Arrays.equals(attempts, expected)) {
            failWithMessage("Expected attempts %s, but were %s", Arrays.toString(expected), Arrays.toString(attempts));
        }
        return this;
    }

    /** The invocations' cost added up, exactly (what the ledger billed them). */
    public AbstractBigDecimalAssert<?> billedCost() {
        isNotNull();
        BigDecimal cost = actual.stream().map(InvocationRecord::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
        return Assertions.assertThat(cost).as("billed cost of %d invocations", actual.size());
    }

    /** The invocations' billed durations added up, in milliseconds. */
    public AbstractLongAssert<?> billedDurationMs() {
        isNotNull();
        long billed =
                actual.stream().mapToLong(InvocationRecord::billedDurationMs).sum();
        return Assertions.assertThat(billed).as("billed duration of %d invocations (ms)", actual.size());
    }
}
