package dev.faas.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.ManualClock;
import dev.faas.core.FaasRuntime;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@FaasTest(allowDeadLetters = true)
final class FaasRecorderTest {

    FaasRecorder recorder;

    @Test
    void printsOneLinePerInvocationAndDestinationEvent(FaasRuntime runtime, ManualClock clock) {
        FunctionRef<String, String> greet =
                runtime.deploy(FunctionSpec.of("greet", String.class, String.class, () -> (name, context) -> {
                            if (name.isEmpty()) {
                                throw new IllegalArgumentException("no name");
                            }
                            return "Hello, " + name;
                        })
                        .withConfig(FunctionConfig.builder().maxRetryAttempts(0).build()));

        String ok = greet.invokeForReport("Ada").requestId();
        String failed = greet.invokeEvent("");
        clock.advance(Duration.ZERO);

        assertThat(recorder.toString().lines())
                .containsExactly(
                        "FaasRecorder[2 invocations, 1 destination events]",
                        "  greet REQUEST_RESPONSE SUCCESS attempt 1 cold 0.00 ms " + ok,
                        "  greet EVENT ERROR attempt 1 warm 0.00 ms " + failed
                                + " java.lang.IllegalArgumentException: no name",
                        "  destination event: greet RETRIES_EXHAUSTED after 1 attempts " + failed
                                + " java.lang.IllegalArgumentException: no name");
    }
}
