package dev.faas.core.internal.engine;

import dev.faas.api.FunctionRef;
import dev.faas.api.InvocationReport;
import dev.faas.api.PayloadTypeException;
import java.util.concurrent.CompletableFuture;

/**
 * A typed handle on a function. It keeps the deployment it was made for; once that is undeployed it
 * looks the name up again, so that a function deployed again under the same name (with types that
 * still fit) is followed.
 */
public final class TypedRef<I, O> implements FunctionRef<I, O> {

    private final String name;
    private final Class<I> inputType;
    private final Class<O> outputType;
    private volatile Deployment current;

    public TypedRef(Deployment deployment, Class<I> inputType, Class<O> outputType) {
        checkTypesFit(deployment, inputType, outputType);
        this.name = deployment.name;
        this.inputType = inputType;
        this.outputType = outputType;
        this.current = deployment;
    }

    /** Checks that inputs of {@code inputType} suit the function and its outputs suit {@code outputType}. */
    static void checkTypesFit(Deployment deployment, Class<?> inputType, Class<?> outputType) {
        boolean inputFits = deployment.inputType.isAssignableFrom(inputType);
        boolean outputFits = outputType.isAssignableFrom(deployment.outputType);
        if (!inputFits || !outputFits) {
            throw new PayloadTypeException(
                    deployment.name,
                    "function '" + deployment.name + "' takes "
                            + deployment.inputType.getName() + " and returns " + deployment.outputType.getName()
                            + ", so a handle taking " + inputType.getName() + " and returning " + outputType.getName()
                            + " does not fit: ask for types the function accepts and returns");
        }
    }

    private Deployment deployment() {
        Deployment deployment = current;
        if (deployment.isUndeployed()) {
            deployment = deployment.engine.require(name);
            checkTypesFit(deployment, inputType, outputType);
            current = deployment;
        }
        return deployment;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public O invoke(I input) {
        return outputType.cast(deployment().invoke(input));
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<O> invokeAsync(I input) {
        Deployment deployment;
        try {
            deployment = deployment();
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        // Outputs are checked against the function's output type, which fits O.
        return (CompletableFuture<O>) deployment.invokeAsync(input);
    }

    @Override
    public InvocationReport invokeForReport(I input) {
        return deployment().invokeForReport(input);
    }

    @Override
    public CompletableFuture<InvocationReport> invokeForReportAsync(I input) {
        Deployment deployment;
        try {
            deployment = deployment();
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        return deployment.invokeForReportAsync(input);
    }

    @Override
    public String invokeEvent(I input) {
        return deployment().invokeEvent(input);
    }

    @Override
    public String invokeEvent(I input, String idempotencyKey) {
        return deployment().invokeEvent(input, idempotencyKey);
    }

    @Override
    public void dryRun(I input) {
        deployment().dryRun(input);
    }

    @Override
    public String toString() {
        return "FunctionRef[" + name + ": " + inputType.getSimpleName() + " -> " + outputType.getSimpleName() + "]";
    }
}
