package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A call that retains a megabyte after another, in a child JVM with a 256 MB heap. The guard stops
 * one that waits now and then; one that never blocks nor checks cannot be stopped and ends in an
 * OutOfMemoryError (README, "Memory limits"). Either way the runtime lives on: it serves calls and
 * its timer still times them out.
 */
final class HeapBombTest {

    @ParameterizedTest(name = "{0}, {1}-byte allocations")
    @CsvSource({"sleeps, 1048576, MEMORY_LIMIT", "sleeps, 65536, MEMORY_LIMIT", "spins, 1048576, ", "checks, 1048576, "
    })
    void theRuntimeLivesThroughAHeapBomb(String kind, int chunk, String expectedOutcome)
            throws IOException, InterruptedException {
        String printed =
                ChildJvm.run(List.of("-Xmx256m", "-XX:+UseG1GC"), HeapBombChild.class, kind, Integer.toString(chunk));

        assertThat(printed).contains("serves calls").contains("times calls out").contains("survived");
        if (expectedOutcome != null) {
            assertThat(printed).as("the guard stopped the bomb").contains("bomb " + expectedOutcome);
        }
    }
}
