package dev.faas.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class FunctionSpecTest {

    private static final HandlerFactory<String, String> ECHO = () -> (input, context) -> input;

    @Test
    void keepsWhatItWasGiven() throws Exception {
        FunctionConfig config =
                FunctionConfig.builder().timeout(Duration.ofSeconds(10)).build();
        FunctionSpec<String, String> spec =
                FunctionSpec.of("echo", String.class, String.class, ECHO).withConfig(config);

        assertThat(spec.name()).isEqualTo("echo");
        assertThat(spec.inputType()).isEqualTo(String.class);
        assertThat(spec.outputType()).isEqualTo(String.class);
        assertThat(spec.handlerFactory()).isSameAs(ECHO);
        assertThat(spec.config()).isEqualTo(config);
        assertThat(FunctionSpec.of("echo", String.class, String.class, ECHO).config())
                .isEqualTo(FunctionConfig.defaults());
    }

    @Test
    void readsPrimitiveClassesAsTheirWrappers() {
        FunctionSpec<Integer, Long> spec =
                FunctionSpec.of("square", int.class, long.class, () -> (i, c) -> (long) i * i);

        assertThat(spec.inputType()).isEqualTo(Integer.class);
        assertThat(spec.outputType()).isEqualTo(Long.class);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"a", "resize-image_v2", "A1234567890123456789012345678901234567890123456789012345678901234"})
    void acceptsLambdaNames(String name) {
        if (name.length() > 64) {
            assertThatThrownBy(() -> FunctionSpec.of(name, String.class, String.class, ECHO))
                    .isInstanceOf(InvalidConfigException.class);
        } else {
            assertThat(FunctionSpec.of(name, String.class, String.class, ECHO).name())
                    .isEqualTo(name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "with space", "dot.ted", "slash/ed", "ünïcode"})
    void refusesOtherNames(String name) {
        assertThatThrownBy(() -> FunctionSpec.of(name, String.class, String.class, ECHO))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("name must be 1 to 64 characters of [A-Za-z0-9_-], but was '" + name + "'");
    }

    @Test
    void refusesMissingParts() {
        assertThatThrownBy(() -> FunctionSpec.of(null, String.class, String.class, ECHO))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("but was null");
        assertThatThrownBy(() -> FunctionSpec.of("f", null, String.class, ECHO))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("needs inputType");
        assertThatThrownBy(() -> FunctionSpec.of("f", String.class, String.class, null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("handlerFactory");
        assertThatThrownBy(() ->
                        FunctionSpec.of("f", String.class, String.class, ECHO).withConfig(null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("FunctionConfig.defaults()");
    }
}
