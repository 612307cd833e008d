package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.FunctionFailedException;
import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.api.HandlerFactory;
import dev.faas.api.PayloadTypeException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class PayloadTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final FaasRuntime runtime = fixture.start();

    @Test
    void refusesAnInputOfTheWrongTypeBeforeRunningAnything() {
        runtime.deploy(
                FunctionSpec.of("length", String.class, Integer.class, () -> (input, context) -> input.length()));

        assertThatThrownBy(() -> runtime.invoke("length", 42))
                .isInstanceOfSatisfying(
                        PayloadTypeException.class,
                        e -> assertThat(e.requestId()).isEmpty())
                .hasMessage("function 'length' takes java.lang.String, but was given java.lang.Integer");
        assertThatThrownBy(() -> runtime.invokeAsync("length", 42).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(PayloadTypeException.class);
        assertThat(runtime.status().functions().get("length").environments())
                .as("nothing ran")
                .isZero();
    }

    @Test
    void refusesNullUnlessTheInputTypeIsVoid() {
        FunctionRef<String, String> text =
                runtime.deploy(FunctionSpec.of("text", String.class, String.class, () -> (input, context) -> input));
        FunctionRef<Void, String> tick =
                runtime.deploy(FunctionSpec.of("tick", Void.class, String.class, () -> (input, context) -> "tock"));

        assertThatThrownBy(() -> text.invoke(null))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining("was given null (only a function whose input type is Void takes null)");
        assertThat(tick.invoke(null)).isEqualTo("tock");
    }

    @Test
    void acceptsSubtypesOfTheInputType() {
        runtime.deploy(
                FunctionSpec.of("size", CharSequence.class, Integer.class, () -> (input, context) -> input.length()));

        assertThat(runtime.invoke("size", new StringBuilder("four"))).isEqualTo(4);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void refusesAnOutputOfTheWrongType() {
        Handler liar = (input, context) -> 42; // a raw handler can return anything
        runtime.deploy(FunctionSpec.of("liar", String.class, String.class, (HandlerFactory) () -> liar));

        assertThatThrownBy(() -> runtime.invoke("liar", "x"))
                .isInstanceOf(FunctionFailedException.class)
                .cause()
                .isInstanceOf(PayloadTypeException.class)
                .hasMessage("the handler of function 'liar' returned a java.lang.Integer, but the function's output"
                        + " type is java.lang.String");
    }

    @Test
    void handsOutTypedHandlesThatFit() {
        runtime.deploy(
                FunctionSpec.of("length", CharSequence.class, Integer.class, () -> (input, context) -> input.length()));

        FunctionRef<String, Number> narrower = runtime.function("length", String.class, Number.class);
        FunctionRef<String, Integer> primitive = runtime.function("length", String.class, int.class);

        assertThat(narrower.invoke("abc")).isEqualTo(3);
        assertThat(primitive.invoke("abcd")).isEqualTo(4);
        assertThatThrownBy(() -> runtime.function("length", Object.class, Integer.class))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessage("function 'length' takes java.lang.CharSequence and returns java.lang.Integer, so a handle"
                        + " taking java.lang.Object and returning java.lang.Integer does not fit: ask for types the"
                        + " function accepts and returns");
        assertThatThrownBy(() -> runtime.function("length", String.class, String.class))
                .isInstanceOf(PayloadTypeException.class);
    }

    @Test
    void refusesUnknownFunctions() {
        assertThatThrownBy(() -> runtime.invoke("ghost", "x"))
                .isInstanceOf(FunctionNotFoundException.class)
                .hasMessage("no function named 'ghost' is deployed: deploy it first, or check the name");
        assertThat(runtime.invokeAsync("ghost", "x")).isCompletedExceptionally();
        assertThatThrownBy(() -> runtime.function("ghost", String.class, String.class))
                .isInstanceOf(FunctionNotFoundException.class);
        assertThatThrownBy(() -> runtime.invoke(null, "x")).isInstanceOf(FunctionNotFoundException.class);
    }

    @Test
    void aDryRunChecksWithoutRunning() {
        FunctionRef<String, String> text =
                runtime.deploy(FunctionSpec.of("text", String.class, String.class, () -> (input, context) -> {
                    throw new AssertionError("a dry run must not run the handler");
                }));

        text.dryRun("fine");

        assertThatThrownBy(() -> text.dryRun(null)).isInstanceOf(PayloadTypeException.class);
        runtime.undeploy("text");
        assertThatThrownBy(() -> text.dryRun("fine")).isInstanceOf(FunctionNotFoundException.class);
    }
}
