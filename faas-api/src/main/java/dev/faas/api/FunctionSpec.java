package dev.faas.api;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A deployable function: its name, its payload types, the factory of its handlers and its
 * configuration. Immutable; {@link #withConfig} returns a copy.
 *
 * <pre>{@code
 * FunctionSpec<ResizeRequest, ResizeResult> spec =
 *         FunctionSpec.of("resize", ResizeRequest.class, ResizeResult.class, ResizeHandler::new)
 *                 .withConfig(FunctionConfig.builder().timeout(Duration.ofSeconds(10)).memoryMb(512).build());
 * }</pre>
 *
 * <p>Payloads are checked against the types on every call: an input that is not an instance of
 * {@link #inputType()} is refused with a {@link PayloadTypeException}, and so is a {@code null}
 * input unless the input type is {@link Void}. Primitive classes stand for their wrappers
 * ({@code int.class} is read as {@code Integer.class}).
 *
 * @param <I> the input type
 * @param <O> the output type
 */
public final class FunctionSpec<I, O> {

    /** The allowed function names: 1 to 64 characters of {@code [A-Za-z0-9_-]}, as Lambda's. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static final Map<Class<?>, Class<?>> WRAPPERS = Map.of(
            boolean.class,
            Boolean.class,
            byte.class,
            Byte.class,
            char.class,
            Character.class,
            short.class,
            Short.class,
            int.class,
            Integer.class,
            long.class,
            Long.class,
            float.class,
            Float.class,
            double.class,
            Double.class,
            void.class,
            Void.class);

    private final String name;
    private final Class<I> inputType;
    private final Class<O> outputType;
    private final HandlerFactory<I, O> handlerFactory;
    private final FunctionConfig config;
    /** The binary name of the class the code is named by ({@link #ofClass}), or null for a factory object. */
    private final @Nullable String handlerClass;

    private FunctionSpec(
            String name,
            Class<I> inputType,
            Class<O> outputType,
            HandlerFactory<I, O> handlerFactory,
            FunctionConfig config,
            @Nullable String handlerClass) {
        this.name = name;
        this.inputType = inputType;
        this.outputType = outputType;
        this.handlerFactory = handlerFactory;
        this.config = config;
        this.handlerClass = handlerClass;
    }

    /**
     * A function with the default configuration.
     *
     * @param name 1 to 64 characters of {@code [A-Za-z0-9_-]}
     * @param inputType the class every input must be an instance of
     * @param outputType the class every output must be an instance of
     * @param handlerFactory creates a handler per execution environment (the INIT phase)
     * @param <I> the input type
     * @param <O> the output type
     * @return the spec
     * @throws InvalidConfigException if the name is not allowed or an argument is missing
     */
    public static <I, O> FunctionSpec<I, O> of(
            String name, Class<I> inputType, Class<O> outputType, HandlerFactory<I, O> handlerFactory) {
        checkName("name", name);
        if (inputType == null || outputType == null || handlerFactory == null) {
            String missing = inputType == null ? "inputType" : outputType == null ? "outputType" : "handlerFactory";
            throw new InvalidConfigException(missing, "function '" + name + "' needs " + missing + ", but it was null");
        }
        return new FunctionSpec<>(
                name, wrap(inputType), wrap(outputType), handlerFactory, FunctionConfig.defaults(), null);
    }

    /**
     * A function whose code is named by its class, so that it can also run where an object cannot
     * go: in a worker process ({@link Isolation#PROCESS}). Each execution environment makes one
     * instance through the public no-argument constructor (the INIT phase); an instance of a
     * {@link HandlerFactory} class then makes the handler.
     *
     * <pre>{@code
     * FunctionSpec<ResizeRequest, ResizeResult> spec =
     *         FunctionSpec.ofClass("resize", ResizeRequest.class, ResizeResult.class, ResizeHandler.class);
     * }</pre>
     *
     * @param name 1 to 64 characters of {@code [A-Za-z0-9_-]}
     * @param inputType the class every input must be an instance of
     * @param outputType the class every output must be an instance of
     * @param handlerClass a public, concrete, top-level or static nested class that implements
     *     {@link Handler} or {@link HandlerFactory} and has a public no-argument constructor
     * @param <I> the input type
     * @param <O> the output type
     * @return the spec
     * @throws InvalidConfigException if the name is not allowed, an argument is missing, or the class
     *     cannot be made as described
     */
    public static <I, O> FunctionSpec<I, O> ofClass(
            String name, Class<I> inputType, Class<O> outputType, Class<?> handlerClass) {
        checkName("name", name);
        if (handlerClass == null) {
            throw new InvalidConfigException(
                    "handlerClass", "function '" + name + "' needs handlerClass, but it was null");
        }
        HandlerFactory<I, O> factory = ClassHandlers.factory(name, handlerClass);
        FunctionSpec<I, O> checked = of(name, inputType, outputType, factory);
        return new FunctionSpec<>(
                name, checked.inputType, checked.outputType, factory, checked.config, handlerClass.getName());
    }

    /**
     * A copy of this spec with another configuration.
     *
     * @param config the configuration
     * @return the new spec
     */
    public FunctionSpec<I, O> withConfig(FunctionConfig config) {
        if (config == null) {
            throw new InvalidConfigException(
                    "config",
                    "function '" + name + "' needs a config, but it was null:" + " use FunctionConfig.defaults()");
        }
        return new FunctionSpec<>(name, inputType, outputType, handlerFactory, config, handlerClass);
    }

    /** The function's name, unique within a runtime. */
    public String name() {
        return name;
    }

    /** The class every input must be an instance of. */
    public Class<I> inputType() {
        return inputType;
    }

    /** The class every output must be an instance of (or {@code null}). */
    public Class<O> outputType() {
        return outputType;
    }

    /** The factory of the function's handlers. */
    public HandlerFactory<I, O> handlerFactory() {
        return handlerFactory;
    }

    /**
     * The binary name of the class that names the function's code, when it was made by
     * {@link #ofClass}; empty for a factory object (a lambda, a constructor reference), which only
     * the host's JVM can run.
     */
    public Optional<String> handlerClass() {
        return Optional.ofNullable(handlerClass);
    }

    /** The function's configuration. */
    public FunctionConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "FunctionSpec[" + name + ": " + inputType.getSimpleName() + " -> " + outputType.getSimpleName() + ", "
                + config + "]";
    }

    /** Checks a function name (a spec's own, or a destination's), naming {@code field} when it fails. */
    static void checkName(String field, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidConfigException(
                    field,
                    field + " must be 1 to 64 characters of [A-Za-z0-9_-], but was "
                            + (name == null ? "null" : "'" + name + "'"));
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<T> wrap(Class<T> type) {
        return type.isPrimitive()
                ? (Class<T>) Objects.requireNonNull(WRAPPERS.get(type), "every primitive has a wrapper")
                : type;
    }
}
