package com.example.hello;

import static dev.faas.testing.FaasAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Outcome;
import dev.faas.core.FaasRuntime;
import dev.faas.testing.FaasTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@FaasTest
class GreetTest {

    FaasRuntime runtime;

    @Test
    void greets() {
        FunctionRef<String, String> greet = runtime.deploy(FunctionSpec.of("greet", String.class, String.class,
                () -> (name, context) -> "Hello, " + name + "!")
                .withConfig(FunctionConfig.builder().timeout(Duration.ofSeconds(2)).build()));

        assertThat(greet.invoke("world")).isEqualTo("Hello, world!");
        assertThat(runtime).function("greet").invocations().hasSize(1).hasOutcomes(Outcome.SUCCESS);
    }
}
