package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.core.internal.memory.AllocationMetering;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/**
 * Runs on the module path only (the {@code module-path} surefire execution): the library works as
 * named modules, and exports only its API packages.
 */
final class ModulePathSmokeTest {

    @Test
    void runsAsNamedModulesExportingOnlyTheApi() {
        Module core = FaasRuntime.class.getModule();
        Module api = FunctionSpec.class.getModule();

        assertThat(core.isNamed()).as("faas-core on the module path").isTrue();
        assertThat(core.getName()).isEqualTo("dev.faas.core");
        assertThat(api.getName()).isEqualTo("dev.faas.api");
        assertThat(core.getDescriptor().exports())
                .extracting(ModuleDescriptor.Exports::source)
                .containsExactly("dev.faas.core");
        assertThat(api.getDescriptor().exports())
                .extracting(ModuleDescriptor.Exports::source)
                .containsExactlyInAnyOrder("dev.faas.api", "dev.faas.api.events", "dev.faas.api.ledger");

        assertThat(AllocationMetering.MODE)
                .as("--add-opens java.base/java.lang=dev.faas.core opens it to the module")
                .isEqualTo(AllocationMetering.Mode.VIRTUAL);
        try (FaasRuntime runtime = FaasRuntime.builder().build()) {
            FunctionRef<String, String> echo = runtime.deploy(
                    FunctionSpec.of("echo", String.class, String.class, () -> (input, context) -> input));
            assertThat(echo.invoke("modular")).isEqualTo("modular");
        }
    }
}
