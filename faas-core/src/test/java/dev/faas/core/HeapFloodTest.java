package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A host that asks for more concurrency than its heap holds, for real: in a child JVM with a 64 MB
 * heap, where a parked call takes about 1.4 KB (its virtual thread's stack and the runtime's
 * bookkeeping) and so at most some 45,000 fit, one caller floods 400,000 calls at the default
 * builder's heap guard. Part of the flood is refused with HEAP_PRESSURE before the heap runs out,
 * every call taken ends once let go (all but a few, or all, completed; none lost), and the JVM
 * lives on to take more.
 */
final class HeapFloodTest {

    private static final int ATTEMPTS = 400_000;

    @Test
    void refusesPartOfAFloodTenTimesWhatTheHeapHoldsAndLosesNothing() throws IOException, InterruptedException {
        String printed = ChildJvm.run(List.of("-Xmx64m", "-XX:+UseG1GC"), HeapFloodChild.class, "" + ATTEMPTS);

        assertThat(printed).doesNotContain("OutOfMemoryError").doesNotContain("failed:");
        Matcher counts = Pattern.compile("taken (\\d+) refused (\\d+) refused otherwise 0")
                .matcher(printed);
        assertThat(counts.find()).as(printed).isTrue();
        int taken = Integer.parseInt(counts.group(1));
        int refused = Integer.parseInt(counts.group(2));
        assertThat(taken + refused).as(printed).isEqualTo(ATTEMPTS);
        assertThat(taken).as(printed).isBetween(1_000, ATTEMPTS / 5);
        Matcher ends = Pattern.compile("completed (\\d+) stopped (\\d+)").matcher(printed);
        assertThat(ends.find()).as(printed).isTrue();
        int stopped = Integer.parseInt(ends.group(2));
        assertThat(Integer.parseInt(ends.group(1)) + stopped).as(printed).isEqualTo(taken);
        // The ceiling keeps the heap under the marks; a call the critical mark stops is told so, but
        // it is the second line of defence and should hardly be needed.
        assertThat(stopped).as(printed).isLessThanOrEqualTo(taken / 100);
        assertThat(printed).contains("afterwards taken", "survived");
    }
}
