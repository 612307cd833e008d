package dev.faas.testing;

import dev.faas.api.InvocationReport;
import dev.faas.api.Outcome;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;

/** Assertions on one invocation's report. */
public final class ReportAssert extends AbstractAssert<ReportAssert, InvocationReport> {

    ReportAssert(InvocationReport actual) {
        super(actual, ReportAssert.class);
    }

    /** Checks that the invocation succeeded. */
    public ReportAssert succeeded() {
        return hasOutcome(Outcome.SUCCESS);
    }

    /**
     * Checks the invocation's outcome.
     *
     * @param expected the outcome
     * @return these assertions
     */
    public ReportAssert hasOutcome(Outcome expected) {
        isNotNull();
        if (actual.outcome() != expected) {
            failWithMessage(
                    "Expected request %s of '%s' to end %s, but it ended %s%s",
                    actual.requestId(),
                    actual.function(),
                    expected,
                    actual.outcome(),
                    actual.error().map(error -> ": " + error.getMessage()).orElse(""));
        }
        return this;
    }

    /**
     * Checks the invocation's output.
     *
     * @param expected the output
     * @return these assertions
     */
    public ReportAssert hasOutput(Object expected) {
        isNotNull();
        Object output = actual.output().orElse(null);
        if (!Objects.equals(output, expected)) {
            failWithMessage(
                    "Expected request %s of '%s' to return <%s>, but it returned <%s>",
                    actual.requestId(), actual.function(), expected, output);
        }
        return this;
    }

    /**
     * Checks that the invocation failed with an exception of this type, or caused by one.
     *
     * @param type the exception's type
     * @return these assertions
     */
    public ReportAssert failedWith(Class<? extends Throwable> type) {
        isNotNull();
        for (Throwable error = actual.error().orElse(null); error != null; error = error.getCause()) {
            if (type.isInstance(error)) {
                return this;
            }
        }
        failWithMessage(
                "Expected request %s of '%s' to fail with %s, but %s",
                actual.requestId(),
                actual.function(),
                type.getName(),
                actual.error().map(error -> "it failed with " + error).orElse("it succeeded"));
        return this;
    }

    /** Checks that the invocation made its execution environment (a cold start). */
    public ReportAssert wasColdStart() {
        isNotNull();
        if (!actual.coldStart()) {
            failWithMessage(
                    "Expected request %s of '%s' to be a cold start, but it was warm",
                    actual.requestId(), actual.function());
        }
        return this;
    }

    /** Checks that the invocation reused a warm execution environment. */
    public ReportAssert wasWarm() {
        isNotNull();
        if (actual.coldStart()) {
            failWithMessage(
                    "Expected request %s of '%s' to be warm, but it was a cold start",
                    actual.requestId(), actual.function());
        }
        return this;
    }
}
