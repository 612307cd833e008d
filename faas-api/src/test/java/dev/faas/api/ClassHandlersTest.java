package dev.faas.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Functions named by their class: what {@link FunctionSpec#ofClass} makes, and what it refuses. */
final class ClassHandlersTest {

    public static final class Upper implements Handler<String, String> {
        @Override
        public String handle(String input, Context context) {
            return input.toUpperCase(java.util.Locale.ROOT);
        }
    }

    public static final class Greeter implements HandlerFactory<String, String> {
        private final String greeting = "hello ";

        @Override
        public Handler<String, String> create() {
            return (input, context) -> greeting + input;
        }
    }

    public static final class FailsToStart implements Handler<String, String> {
        public FailsToStart() throws IOException {
            throw new IOException("no configuration file");
        }

        @Override
        public String handle(String input, Context context) {
            return input;
        }
    }

    public static final class NoDefaultConstructor implements Handler<String, String> {
        public NoDefaultConstructor(String unused) {}

        @Override
        public String handle(String input, Context context) {
            return input;
        }
    }

    public abstract static class Abstract implements Handler<String, String> {}

    static final class NotPublic implements Handler<String, String> {
        @Override
        public String handle(String input, Context context) {
            return input;
        }
    }

    public final class Inner implements Handler<String, String> {
        @Override
        public String handle(String input, Context context) {
            return input;
        }
    }

    @Test
    void makesAHandlerPerEnvironmentFromItsClass() throws Exception {
        FunctionSpec<String, String> spec = FunctionSpec.ofClass("upper", String.class, String.class, Upper.class);

        Handler<String, String> first = spec.handlerFactory().create();
        Handler<String, String> second = spec.handlerFactory().create();

        assertThat(first.handle("abc", null)).isEqualTo("ABC");
        assertThat(first).isNotSameAs(second).isInstanceOf(Upper.class);
        assertThat(spec.handlerClass()).hasValue(Upper.class.getName());
        assertThat(spec.withConfig(FunctionConfig.defaults()).handlerClass()).hasValue(Upper.class.getName());
    }

    @Test
    void makesAHandlerFactoryClassMakeTheHandler() throws Exception {
        FunctionSpec<String, String> spec = FunctionSpec.ofClass("greet", String.class, String.class, Greeter.class);

        assertThat(spec.handlerFactory().create().handle("ada", null)).isEqualTo("hello ada");
    }

    @Test
    void letsTheConstructorsOwnFailureThrough() {
        FunctionSpec<String, String> spec =
                FunctionSpec.ofClass("fails", String.class, String.class, FailsToStart.class);

        assertThatThrownBy(() -> spec.handlerFactory().create())
                .isInstanceOf(IOException.class)
                .hasMessage("no configuration file");
    }

    @Test
    void aFactoryObjectNamesNoClass() {
        assertThat(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input)
                        .handlerClass())
                .isEmpty();
    }

    @Test
    void refusesClassesAWorkerCannotMake() {
        assertThatThrownBy(() -> FunctionSpec.ofClass("f", String.class, String.class, String.class))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("function 'f': handlerClass java.lang.String implements neither Handler nor"
                        + " HandlerFactory: implement one of them");
        assertThatThrownBy(() -> FunctionSpec.ofClass("f", String.class, String.class, NoDefaultConstructor.class))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageEndingWith("has no public no-argument constructor: add one");
        assertThatThrownBy(() -> FunctionSpec.ofClass("f", String.class, String.class, Abstract.class))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageEndingWith("is abstract: name a concrete class");
        for (Class<?> hidden : new Class<?>[] {NotPublic.class, Inner.class}) {
            assertThatThrownBy(() -> FunctionSpec.ofClass("f", String.class, String.class, hidden))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageEndingWith(
                            "must be public and top-level or a static nested class, so that a worker" + " can make it");
        }
        assertThatThrownBy(() -> FunctionSpec.ofClass("f", String.class, String.class, null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("function 'f' needs handlerClass, but it was null");
        assertThatThrownBy(() -> FunctionSpec.ofClass("bad name", String.class, String.class, Upper.class))
                .isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void isolationIsInProcessUnlessSetAndRefusesAnAllocationLimitInAWorker() {
        assertThat(FunctionConfig.defaults().isolation()).isEqualTo(Isolation.IN_PROCESS);
        assertThat(FunctionConfig.builder().isolation(Isolation.PROCESS).build().toBuilder()
                        .build()
                        .isolation())
                .isEqualTo(Isolation.PROCESS);
        assertThatThrownBy(() -> FunctionConfig.builder().isolation(null).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("isolation must be set (it has a default: leave it out)");
        assertThatThrownBy(() -> FunctionConfig.builder()
                        .isolation(Isolation.PROCESS)
                        .allocationLimitMb(64)
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("allocationLimitMb applies to functions that run in the host's JVM");
    }
}
