package dev.faas.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class FunctionConfigTest {

    @Test
    void defaultsAreLambdas() {
        FunctionConfig config = FunctionConfig.defaults();

        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.initTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.memoryMb()).isEqualTo(128);
        assertThat(config.allocationLimitMb()).isEmpty();
        assertThat(config.environment()).isEmpty();
        assertThat(config.reservedConcurrency()).isEmpty();
        assertThat(config.provisionedConcurrency()).isZero();
        assertThat(config.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.maxRetryAttempts()).isEqualTo(2);
        assertThat(config.maxEventAge()).isEqualTo(Duration.ofHours(6));
        assertThat(config.retryDelay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.maxQueuedEvents()).isEqualTo(100_000);
        assertThat(config.onSuccess()).isEmpty();
        assertThat(config.onFailure()).isEmpty();
        assertThat(FunctionConfig.builder().build()).isEqualTo(config);
    }

    @Test
    void toBuilderCopiesEveryComponent() {
        FunctionConfig config = FunctionConfig.builder()
                .timeout(Duration.ofSeconds(10))
                .initTimeout(Duration.ofSeconds(2))
                .memoryMb(512)
                .allocationLimitMb(64)
                .environment(Map.of("STAGE", "test"))
                .reservedConcurrency(10)
                .provisionedConcurrency(2)
                .idleTimeout(Duration.ofMinutes(1))
                .maxRetryAttempts(1)
                .maxEventAge(Duration.ofHours(1))
                .retryDelay(Duration.ofSeconds(5))
                .maxQueuedEvents(50)
                .onSuccess("ok")
                .onFailure("failed")
                .build();

        assertThat(config.toBuilder().build()).isEqualTo(config);
        assertThat(config.toBuilder().memoryMb(256).build().memoryMb()).isEqualTo(256);
        assertThat(config.toBuilder()
                        .unreservedConcurrency()
                        .provisionedConcurrency(0)
                        .build()
                        .reservedConcurrency())
                .isEmpty();
        assertThat(config.toBuilder().noAllocationLimit().build().allocationLimitMb())
                .isEmpty();
    }

    @Test
    void acceptsTheEndsOfEveryRange() {
        FunctionConfig low = FunctionConfig.builder()
                .timeout(Duration.ofMillis(1))
                .initTimeout(Duration.ofMillis(1))
                .memoryMb(1)
                .allocationLimitMb(1)
                .reservedConcurrency(0)
                .idleTimeout(Duration.ofMillis(1))
                .maxRetryAttempts(0)
                .maxEventAge(Duration.ofMillis(1))
                .retryDelay(Duration.ofMillis(1))
                .maxQueuedEvents(1)
                .build();
        FunctionConfig high = FunctionConfig.builder()
                .timeout(Duration.ofMinutes(15))
                .initTimeout(Duration.ofMinutes(15))
                .memoryMb(10_240)
                .maxRetryAttempts(2)
                .maxEventAge(Duration.ofHours(6))
                .retryDelay(Duration.ofHours(6))
                .build();

        assertThat(low.memoryMb()).isEqualTo(1);
        assertThat(high.timeout()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void namesTheFieldTheValueAndTheRange() {
        assertInvalid(
                b -> b.timeout(Duration.ofMinutes(16)),
                "timeout",
                "timeout must be between 1 ms and 15 min, but was PT16M");
        assertInvalid(
                b -> b.timeout(Duration.ZERO), "timeout", "timeout must be between 1 ms and 15 min, but was PT0S");
        assertInvalid(
                b -> b.initTimeout(Duration.ofMinutes(15).plusNanos(1)),
                "initTimeout",
                "initTimeout must be between 1 ms and 15 min");
        assertInvalid(b -> b.memoryMb(0), "memoryMb", "memoryMb must be between 1 and 10240 MB, but was 0");
        assertInvalid(b -> b.memoryMb(10_241), "memoryMb", "but was 10241");
        assertInvalid(b -> b.allocationLimitMb(0), "allocationLimitMb", "at least 1 MB, but was 0");
        assertInvalid(b -> b.reservedConcurrency(-1), "reservedConcurrency", "but was -1");
        assertInvalid(b -> b.provisionedConcurrency(-1), "provisionedConcurrency", "but was -1");
        assertInvalid(
                b -> b.reservedConcurrency(2).provisionedConcurrency(3),
                "provisionedConcurrency",
                "between 0 and reservedConcurrency (2), but was 3");
        assertInvalid(b -> b.idleTimeout(Duration.ofNanos(999_999)), "idleTimeout", "between 1 ms and 365 days");
        assertInvalid(b -> b.maxRetryAttempts(3), "maxRetryAttempts", "between 0 and 2, but was 3");
        assertInvalid(b -> b.maxEventAge(Duration.ofHours(7)), "maxEventAge", "between 1 ms and 6 h, but was PT7H");
        assertInvalid(b -> b.retryDelay(Duration.ofMillis(-1)), "retryDelay", "between 1 ms and 6 h");
        assertInvalid(b -> b.maxQueuedEvents(0), "maxQueuedEvents", "at least 1, but was 0");
        assertInvalid(b -> b.onFailure("not a name"), "onFailure", "but was 'not a name'");
        assertInvalid(b -> b.timeout(null), "timeout", "timeout must be set");
        assertInvalid(b -> b.threadKind(null), "threadKind", "threadKind must be set");
        assertInvalid(
                b -> {
                    String megabyte = "v".repeat(1 << 20);
                    for (int i = 0; i < 2_100; i++) { // past what an int counts
                        b.environment("K" + i, megabyte);
                    }
                    return b;
                },
                "environment",
                "environment must take at most 4096 bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1ABC", "_X", "WITH-DASH", "with space", ""})
    void refusesEnvironmentKeysLambdaRefuses(String key) {
        assertInvalid(b -> b.environment(key, "value"), "environment", "environment keys must match");
    }

    @Test
    void limitsTheEnvironmentToFourKilobytes() {
        Map<String, String> fits = Map.of("K", "v".repeat(4 * 1024 - 1));
        Map<String, String> tooBig = Map.of("K", "v".repeat(4 * 1024));

        assertThat(FunctionConfig.builder().environment(fits).build().environment())
                .isEqualTo(fits);
        assertInvalid(
                b -> b.environment(tooBig),
                "environment",
                "at most 4096 bytes (keys and values, UTF-8), but took 4097");
    }

    @Test
    void refusesAnEnvironmentVariableWithoutValue() {
        Map<String, String> withNull = new HashMap<>();
        withNull.put("KEY", null);

        assertInvalid(b -> b.environment(withNull), "environment", "KEY has no value");
    }

    @Test
    void keepsTheEnvironmentImmutableAndInOrder() {
        Map<String, String> source = new HashMap<>();
        FunctionConfig config = FunctionConfig.builder()
                .environment("B", "2")
                .environment("A", "1")
                .build();
        source.put("later", "change");

        assertThat(config.environment()).containsExactly(Map.entry("B", "2"), Map.entry("A", "1"));
        assertThatThrownBy(() -> config.environment().put("C", "3")).isInstanceOf(UnsupportedOperationException.class);
    }

    private static void assertInvalid(UnaryOperator<FunctionConfig.Builder> change, String field, String message) {
        assertThatThrownBy(() -> change.apply(FunctionConfig.builder()).build())
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContaining(message);
    }
}
