package dev.faas.core;

import static dev.faas.core.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.ledger.InvocationRecord;
import dev.faas.core.internal.ledger.LedgerJournal;
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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills a JVM (SIGKILL, no shutdown hooks) while 64 callers record invocations, then recovers its
 * journal. Under sync durability every call that had returned is there; under the others a crash
 * of the process loses at most the records still queued for the writer, which callers never let
 * grow past {@link LedgerJournal#MAX_BACKLOG}.
 */
final class JournalCrashTest {

    private static final Logger log = LoggerFactory.getLogger(JournalCrashTest.class);
    private static final Pattern RETURNED = Pattern.compile("returned ([0-9a-f-]{36})");

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    @TempDir
    Path directory;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sync, 0", "every, " + LedgerJournal.MAX_BACKLOG, "os, " + LedgerJournal.MAX_BACKLOG})
    void aKillLosesNoMoreThanThePolicyAllows(String durability, int allowedLoss)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        JournalCrashChild.class.getName(),
                        directory.toString(),
                        durability,
                        "64")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> returned = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().start(() -> readReturnedIds(child, returned));

        eventually().atMost(Duration.ofSeconds(60)).until(() -> returned.size() >= 30_000 || !child.isAlive());
        child.destroyForcibly();
        child.waitFor();
        reader.join();

        assertThat(returned)
                .as("the child printed request ids before it was killed")
                .hasSizeGreaterThanOrEqualTo(30_000);
        FaasRuntime recovered = fixture.start(b -> b.ledgerJournal(directory).ledgerRetention(1_000_000));
        Set<String> recorded = recovered.ledger().entries().stream()
                .map(InvocationRecord::requestId)
                .collect(Collectors.toSet());
        long lost = returned.stream().filter(id -> !recorded.contains(id)).count();
        log.info(
                "{}: {} calls acknowledged before the kill, {} recorded, {} acknowledged ones lost",
                durability,
                returned.size(),
                recorded.size(),
                lost);
        assertThat(lost).isLessThanOrEqualTo(allowedLoss);
        assertThat(recovered.ledger().usage("crash-test").requests()).isEqualTo(recorded.size());
    }

    private static void readReturnedIds(Process child, List<String> returned) {
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
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
