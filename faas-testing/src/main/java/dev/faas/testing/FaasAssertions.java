package dev.faas.testing;

import dev.faas.api.InvocationReport;
import dev.faas.core.FaasRuntime;

/**
 * AssertJ assertions for runtimes and reports.
 *
 * <pre>{@code
 * assertThat(runtime).function("resize").invocations().hasSize(3).allSucceeded().hasColdStarts(1);
 * assertThat(runtime).function("resize").invocations().billedCost().isEqualByComparingTo("0.0000025");
 * assertThat(resize.invokeForReport(request)).succeeded().wasWarm();
 * }</pre>
 */
public final class FaasAssertions {

    private FaasAssertions() {}

    /**
     * Assertions on what a runtime ran, read from its ledger and its dead letters.
     *
     * @param runtime the runtime
     * @return its assertions
     */
    public static RuntimeAssert assertThat(FaasRuntime runtime) {
        return new RuntimeAssert(runtime);
    }

    /**
     * Assertions on one invocation's report.
     *
     * @param report the report
     * @return its assertions
     */
    public static ReportAssert assertThat(InvocationReport report) {
        return new ReportAssert(report);
    }
}
