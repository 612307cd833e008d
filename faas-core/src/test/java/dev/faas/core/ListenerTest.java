package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationListener;
import dev.faas.api.InvocationReport;
import dev.faas.api.Outcome;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

final class ListenerTest {

    @Test
    void aListenerThatThrowsSkipsNoOtherListenerAndNotTheCall() {
        List<InvocationReport> heard = new CopyOnWriteArrayList<>();
        InvocationListener failing = new InvocationListener() {
            @Override
            public void onInvocation(InvocationReport report) {
                throw new AssertionError("a test's listener that fails"); // an Error, not a RuntimeException
            }
        };
        InvocationListener throwing = new InvocationListener() {
            @Override
            public void onInvocation(InvocationReport report) {
                throw new IllegalStateException("and one that throws");
            }
        };
        try (FaasRuntime runtime = FaasRuntime.builder().reportLog(false).listener(failing).listener(throwing)
                .listener(new InvocationListener() {
                    @Override
                    public void onInvocation(InvocationReport report) {
                        heard.add(report);
                    }
                }).build()) {
            FunctionRef<String, String> echo = runtime.deploy(FunctionSpec.of("echo", String.class, String.class,
                    () -> (input, context) -> input));

            assertThat(echo.invoke("a")).isEqualTo("a");
            assertThat(echo.invokeForReport("b").outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(heard).hasSize(2);
        }
    }
}
