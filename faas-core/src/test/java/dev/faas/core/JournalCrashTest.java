package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.ledger.InvocationRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM (SIGKILL, no shutdown hooks) while it records invocations under sync durability, then
 * recovers its journal: every invocation whose call had returned in the child must be there.
 */
final class JournalCrashTest {

    private static final Pattern RETURNED = Pattern.compile("returned ([0-9a-f-]{36})");

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    @TempDir
    Path directory;

    @Test
    void everyCallThatReturnedSurvivesAKill() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                JournalCrashChild.class.getName(), directory.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> returned = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().start(() -> readReturnedIds(child, returned));

        eventually().atMost(Duration.ofSeconds(60)).until(() -> returned.size() >= 2_000 || !child.isAlive());
        child.destroyForcibly();
        child.waitFor();
        reader.join();

        assertThat(returned).as("the child printed request ids before it was killed").hasSizeGreaterThanOrEqualTo(2_000);
        FaasRuntime recovered = fixture.start(b -> b.ledgerJournal(directory));
        Set<String> recorded = recovered.ledger().entries().stream().map(InvocationRecord::requestId)
                .collect(Collectors.toSet());
        assertThat(recorded).containsAll(returned);
        assertThat(recovered.ledger().usage("crash-test").requests()).isEqualTo(recorded.size());
    }

    private static void readReturnedIds(Process child, List<String> returned) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                Matcher match = RETURNED.matcher(line);
                if (match.matches()) { // a line cut short by the kill does not match
                    returned.add(match.group(1));
                }
            }
        } catch (IOException ignored) {
            // the pipe closes when the child dies
        }
    }
}
