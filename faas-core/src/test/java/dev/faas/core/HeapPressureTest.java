package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The heap-pressure guard for real, in a child JVM with a 64 MB heap: it refuses new calls as the
 * heap fills past its high-water mark, stops the call that holds the memory (not the light ones)
 * past its critical mark, and the JVM survives.
 */
final class HeapPressureTest {

    @Test
    void throttlesThenStopsTheHogAndTheJvmSurvives() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx64m",
                        "-XX:+UseG1GC",
                        "--add-opens",
                        "java.base/java.lang=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        HeapPressureChild.class.getName())
                .redirectErrorStream(true)
                .start();
        byte[] output = child.getInputStream().readAllBytes();
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String printed = new String(output, StandardCharsets.UTF_8);

        assertThat(child.exitValue()).as(printed).isZero();
        assertThat(printed)
                .doesNotContain("OutOfMemoryError")
                .contains("hog MEMORY_LIMIT: stopped by the heap-pressure guard")
                .contains("recovered")
                .contains("survived")
                .containsPattern("throttled [1-9]");
    }
}
