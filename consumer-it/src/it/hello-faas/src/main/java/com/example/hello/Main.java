package com.example.hello;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.api.InvocationReport;
import dev.faas.core.FaasRuntime;
import java.time.Duration;

/** The README's quick start, as a user's own main class. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
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

            System.out.println(greet.invoke("world")); // Hello, world!  (a cold start)
            InvocationReport report = greet.invokeForReport("again");
            System.out.println(report.coldStart() + ", billed " + report.billedDurationMs() + " ms"); // false, billed 1 ms
            greet.invokeAsync("async").thenAccept(System.out::println).join(); // Hello, async!
        }
    }
}
