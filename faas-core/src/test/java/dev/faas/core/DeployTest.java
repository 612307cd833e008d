package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.Context;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.Isolation;
import dev.faas.api.PayloadTypeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class DeployTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final FaasRuntime runtime = fixture.start(b -> b.concurrencyLimit(100));

    @Test
    void refusesADuplicateName() {
        runtime.deploy(echo("echo", FunctionConfig.defaults()));

        assertThatThrownBy(() -> runtime.deploy(echo("echo", FunctionConfig.defaults())))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.field()).isEqualTo("name");
                    assertThat(e.functionName()).contains("echo");
                })
                .hasMessage("function 'echo': a function named 'echo' is already deployed: undeploy it first,"
                        + " or deploy under another name");
    }

    @Test
    void refusesAReservationAboveTheGlobalLimit() {
        assertThatThrownBy(() -> runtime.deploy(echo(
                        "big", FunctionConfig.builder().reservedConcurrency(101).build())))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("reservedConcurrency"))
                .hasMessage("function 'big': reservedConcurrency must be between 0 and 100 (the runtime's"
                        + " concurrencyLimit), but was 101");
    }

    @Test
    void refusesReservationsThatTogetherPassTheGlobalLimit() {
        runtime.deploy(
                echo("first", FunctionConfig.builder().reservedConcurrency(60).build()));

        assertThatThrownBy(() -> runtime.deploy(echo(
                        "second",
                        FunctionConfig.builder().reservedConcurrency(41).build())))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("must be between 0 and 40 (the runtime's concurrencyLimit of 100 less the 60"
                        + " other functions reserved), but was 41");
        assertThat(runtime.describe("second")).isEmpty();

        runtime.undeploy("first");
        runtime.deploy(
                echo("second", FunctionConfig.builder().reservedConcurrency(41).build()));
        assertThat(runtime.status().unreservedConcurrency()).isEqualTo(59);
    }

    @Test
    void refusesMoreProvisionedEnvironmentsThanTheLimit() {
        assertThatThrownBy(() -> runtime.deploy(echo(
                        "many",
                        FunctionConfig.builder().provisionedConcurrency(101).build())))
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("provisionedConcurrency"))
                .hasMessageContaining("provisionedConcurrency must be between 0 and 100");
    }

    public static final class Echo implements Handler<String, String> {
        @Override
        public String handle(String input, Context context) {
            return input;
        }
    }

    @Test
    void refusesToIsolateAnObjectAndSaysWhatToDo() {
        FunctionConfig isolated =
                FunctionConfig.builder().isolation(Isolation.PROCESS).build();

        assertThatThrownBy(() -> runtime.deploy(echo("lambda", isolated)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("function 'lambda': function 'lambda' has isolation PROCESS, but its code is an object (a"
                        + " lambda or a constructor reference), which cannot cross into a worker process: name its"
                        + " class with FunctionSpec.ofClass");
        assertThatThrownBy(() -> runtime.deploy(FunctionSpec.ofClass("named", String.class, String.class, Echo.class)
                        .withConfig(isolated)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("which this build does not run yet");
        assertThat(runtime.describe("lambda")).isEmpty();
        assertThat(runtime.describe("named")).isEmpty();
    }

    @Test
    void runsAFunctionNamedByItsClassInProcess() {
        FunctionRef<String, String> ref =
                runtime.deploy(FunctionSpec.ofClass("named", String.class, String.class, Echo.class));

        assertThat(ref.invoke("hi")).isEqualTo("hi");
    }

    @Test
    void refusesNothingToDeploy() {
        assertThatThrownBy(() -> runtime.deploy(null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("deploy needs a FunctionSpec");
    }

    @Test
    void refusesABadRuntimeConfiguration() {
        assertThatThrownBy(() -> FaasRuntime.builder().concurrencyLimit(0).build())
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("concurrencyLimit"))
                .hasMessage("concurrencyLimit must be at least 1, but was 0");
        assertThatThrownBy(() -> FaasRuntime.builder()
                        .drainTimeout(Duration.ofSeconds(-1))
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("drainTimeout");
    }

    @Test
    void undeployStopsNewCallsAndLetsCallsInFlightFinish() throws InterruptedException {
        Gate gate = fixture.gate();
        FunctionRef<String, String> slow =
                runtime.deploy(FunctionSpec.of("slow", String.class, String.class, () -> (input, context) -> {
                    gate.pass();
                    return input;
                }));
        CompletableFuture<String> inFlight = slow.invokeAsync("in flight");
        gate.awaitArrivals(1);

        runtime.undeploy("slow");

        assertThatThrownBy(() -> slow.invoke("late"))
                .isInstanceOf(FunctionNotFoundException.class)
                .hasMessage("no function named 'slow' is deployed: deploy it first, or check the name");
        assertThatThrownBy(() -> runtime.invoke("slow", "late")).isInstanceOf(FunctionNotFoundException.class);
        assertThat(slow.invokeAsync("late")).isCompletedExceptionally();
        assertThat(runtime.describe("slow")).isEmpty();
        gate.open();
        assertThat(inFlight.join()).isEqualTo("in flight");
    }

    @Test
    void undeployingAnUnknownFunctionFails() {
        assertThatThrownBy(() -> runtime.undeploy("ghost"))
                .isInstanceOf(FunctionNotFoundException.class)
                .hasMessageContaining("'ghost'");
    }

    @Test
    void aHandleFollowsAFunctionDeployedAgainUnderItsName() {
        FunctionRef<String, String> ref = runtime.deploy(echo("echo", FunctionConfig.defaults()));
        runtime.undeploy("echo");
        runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> "v2 " + input));

        assertThat(ref.invoke("x")).isEqualTo("v2 x");
    }

    @Test
    void aHandleRefusesAFunctionDeployedAgainWithOtherTypes() {
        FunctionRef<String, String> ref = runtime.deploy(echo("echo", FunctionConfig.defaults()));
        runtime.undeploy("echo");
        runtime.deploy(FunctionSpec.of("echo", Integer.class, Integer.class, () -> (input, context) -> input));

        assertThatThrownBy(() -> ref.invoke("x"))
                .isInstanceOf(PayloadTypeException.class)
                .hasMessageContaining("does not fit");
    }

    @Test
    void describesDeployedFunctions() {
        FunctionSpec<String, String> spec = echo("echo", FunctionConfig.defaults());
        runtime.deploy(spec);

        assertThat(runtime.describe("echo")).containsSame(spec);
        assertThat(runtime.describe("other")).isEmpty();
        assertThat(runtime.describe(null)).isEmpty();
    }

    private static FunctionSpec<String, String> echo(String name, FunctionConfig config) {
        return FunctionSpec.of(name, String.class, String.class, () -> (input, context) -> input)
                .withConfig(config);
    }
}
