package dev.faas.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.api.InvocationReport;
import dev.faas.core.FaasRuntime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's quick start: compiled and run here, and compared with the README's text. */
final class QuickStartTest {

    private final List<Object> printed = new ArrayList<>();

    @Test
    void quickStartRuns() {
        // tag::quick-start[]
        try (FaasRuntime runtime = FaasRuntime.builder().concurrencyLimit(100).build()) {
            Handler<String, String> greeter = (name, context) -> {
                context.logger().info("greeting {}", name);
                return "Hello, " + name + "!";
            };
            FunctionConfig config = FunctionConfig.builder()
                    .timeout(Duration.ofSeconds(2))
                    .memoryMb(256)
                    .build();
            FunctionRef<String, String> greet =
                    runtime.deploy(FunctionSpec.of("greet", String.class, String.class, () -> greeter)
                            .withConfig(config));

            println(greet.invoke("world")); // Hello, world!  (a cold start)
            InvocationReport report = greet.invokeForReport("again");
            println(report.coldStart() + ", billed " + report.billedDurationMs() + " ms"); // false, billed 1 ms
            greet.invokeAsync("async").thenAccept(this::println).join(); // Hello, async!
        }
        // end::quick-start[]

        assertThat(printed).hasSize(3);
        assertThat(printed.get(0)).isEqualTo("Hello, world!");
        assertThat(printed.get(1))
                .asString()
                .matches("false, billed [1-9][0-9]* ms"); // real time: 1 ms or a little more
        assertThat(printed.get(2)).isEqualTo("Hello, async!");
    }

    @Test
    void readmeShowsTheQuickStartVerbatim() throws IOException {
        assertThat(ReadmeSnippets.shownAfter("## Quick start")
                        .replace("System.out::println", "this::println")
                        .replace("System.out.println(", "println("))
                .as("the README's quick start, with System.out for println")
                .isEqualTo(ReadmeSnippets.tagged("QuickStartTest", "quick-start"));
    }

    private void println(Object line) {
        printed.add(line);
    }
}
