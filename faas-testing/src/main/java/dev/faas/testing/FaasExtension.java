package dev.faas.testing;

import dev.faas.api.DestinationEvent;
import dev.faas.api.InvocationListener;
import dev.faas.api.InvocationReport;
import dev.faas.api.ManualClock;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.FaasRuntime;
import dev.faas.core.RuntimeInvariants;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The extension behind {@link FaasTest}: before each test it builds a runtime on a manual clock with a
 * recorder, and injects the three into fields and parameters of those types; after the test it
 * closes the runtime and fails the test if orphaned threads or dead letters were left behind, or if
 * the runtime's invariants ({@link RuntimeInvariants}) do not hold.
 */
public final class FaasExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FaasExtension.class);
    /** How long the runtime's threads get to end after the test, in real time. */
    private static final Duration PATIENCE = Duration.ofSeconds(1);

    private static final List<Class<?>> INJECTED = List.of(FaasRuntime.class, ManualClock.class, FaasRecorder.class);

    /** Creates the extension; JUnit does, through {@link FaasTest}. */
    public FaasExtension() {}

    /** What one test was given, and the reports the extension's own listener heard (a test may clear its recorder). */
    private record Harness(
            FaasTest settings, FaasRuntime runtime, ManualClock clock, FaasRecorder recorder, LongAdder reports) {
        Object get(Class<?> type) {
            return type == FaasRuntime.class ? runtime : type == ManualClock.class ? clock : recorder;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        FaasTest settings = settings(context);
        ManualClock clock = new ManualClock(Instant.parse(settings.start()));
        FaasRecorder recorder = new FaasRecorder();
        LongAdder reports = new LongAdder();
        FaasRuntime runtime = FaasRuntime.builder()
                .clock(clock)
                .listener(recorder)
                .listener(new InvocationListener() {
                    @Override
                    public void onInvocation(InvocationReport report) {
                        reports.increment();
                    }
                })
                .concurrencyLimit(settings.concurrencyLimit())
                .pricing(
                        settings.pricing() == FaasTest.Prices.LAMBDA_ARM64
                                ? Pricing.LAMBDA_ARM64
                                : Pricing.LAMBDA_X86_64)
                .allocationMetering(settings.allocationMetering())
                .drainTimeout(Duration.ofSeconds(5))
                .build();
        Harness harness = new Harness(settings, runtime, clock, recorder, reports);
        context.getStore(NAMESPACE).put(Harness.class, harness);
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            inject(instance, harness);
        }
    }

    private static FaasTest settings(ExtensionContext context) {
        Optional<FaasTest> onMethod = AnnotationSupport.findAnnotation(context.getTestMethod(), FaasTest.class);
        if (onMethod.isPresent()) {
            return onMethod.get();
        }
        for (Optional<Class<?>> type = context.getTestClass();
                type.isPresent();
                type = Optional.ofNullable(type.get().getEnclosingClass())) {
            Optional<FaasTest> onClass = AnnotationSupport.findAnnotation(type.get(), FaasTest.class);
            if (onClass.isPresent()) {
                return onClass.get();
            }
        }
        throw new IllegalStateException("FaasExtension runs through @FaasTest: annotate the test class or method");
    }

    private static void inject(Object instance, Harness harness) throws IllegalAccessException {
        List<Field> fields = ReflectionSupport.findFields(
                instance.getClass(),
                field -> INJECTED.contains(field.getType())
                        && !Modifier.isStatic(field.getModifiers())
                        && !Modifier.isFinal(field.getModifiers()),
                HierarchyTraversalMode.TOP_DOWN);
        for (Field field : fields) {
            field.setAccessible(true);
            field.set(instance, harness.get(field.getType()));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Harness harness = context.getStore(NAMESPACE).remove(Harness.class, Harness.class);
        if (harness == null) {
            return;
        }
        FaasRuntime runtime = harness.runtime();
        runtime.close();
        boolean orphansAllowed = harness.settings().allowOrphans();
        int orphans = awaitOrphans(runtime, PATIENCE);
        if (orphans > 0 && !orphansAllowed) {
            throw new AssertionError("the test left " + orphans + " orphaned thread(s): handlers still running past"
                    + " their deadline or memory stop; let them end (release what they wait on), or use"
                    + " @FaasTest(allowOrphans = true)");
        }
        RuntimeInvariants.checkIdle(runtime, PATIENCE, true); // orphans are judged above, with @FaasTest's words
        RuntimeInvariants.checkClosed(runtime, PATIENCE, harness.reports().sum(), orphansAllowed);
        List<DestinationEvent> deadLetters = runtime.deadLetters();
        if (!deadLetters.isEmpty() && !harness.settings().allowDeadLetters()) {
            throw new AssertionError("the test left " + deadLetters.size() + " dead letter(s): "
                    + deadLetters.stream().limit(5).map(FaasExtension::describe).toList()
                    + "; give the function an onFailure destination, let its events finish, or use"
                    + " @FaasTest(allowDeadLetters = true)");
        }
    }

    private static String describe(DestinationEvent event) {
        return event.condition() + " " + event.function() + " " + event.requestId()
                + event.errorMessage().map(message -> " (" + message + ")").orElse("");
    }

    /** Orphaned threads end on their own once released: give them a moment. */
    private static int awaitOrphans(FaasRuntime runtime, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        int orphans;
        while ((orphans = runtime.status().orphanedThreads()) > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return orphans;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return INJECTED.contains(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Harness harness = context.getStore(NAMESPACE).get(Harness.class, Harness.class);
        if (harness == null) {
            throw new ParameterResolutionException(
                    "a " + parameter.getParameter().getType().getSimpleName()
                            + " is made for each test: ask for it in a test or @BeforeEach method, not in a constructor or"
                            + " @BeforeAll method");
        }
        return harness.get(parameter.getParameter().getType());
    }
}
