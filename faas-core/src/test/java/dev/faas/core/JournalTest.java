package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationReport;
import dev.faas.api.InvocationType;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import dev.faas.core.internal.ledger.JournalRecoveryChild;
import dev.faas.core.internal.ledger.LedgerEntry;
import dev.faas.core.internal.ledger.LedgerJournal;
import dev.faas.core.internal.ledger.RecordCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

final class JournalTest {

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    @TempDir
    Path directory;

    @Test
    void recoversTheLedgerAfterARestart() {
        FaasRuntime first = fixture.start(b -> b.ledgerJournal(directory));
        callAFewTimes(first, 20);
        List<InvocationRecord> written = first.ledger().entries();
        Usage usage = first.ledger().usage();
        first.close();

        FaasRuntime second = fixture.start(b -> b.ledgerJournal(directory));

        assertThat(second.ledger().entries()).isEqualTo(written);
        assertThat(second.ledger().usage()).isEqualTo(usage);
        assertThat(second.ledger().usage("flaky").requests()).isEqualTo(20);
        callAFewTimes(second, 5);
        second.close();

        FaasRuntime third = fixture.start(b -> b.ledgerJournal(directory));
        assertThat(third.ledger().entries()).hasSize(25).startsWith(written.toArray(InvocationRecord[]::new));
    }

    @Test
    void keepsWhatRecoveredRecordsCostWhenThePricingChanges() {
        // On a manual clock every call takes no time: 1 billed ms each, at 256 MB.
        FaasRuntime x86 = fixture.start(
                b -> b.ledgerJournal(directory).pricing(Pricing.LAMBDA_X86_64).clock(new ManualClock(Instant.EPOCH)));
        callAFewTimes(x86, 10);
        Usage before = x86.ledger().usage("flaky");
        x86.close();

        FaasRuntime arm = fixture.start(
                b -> b.ledgerJournal(directory).pricing(Pricing.LAMBDA_ARM64).clock(new ManualClock(Instant.EPOCH)));
        assertThat(arm.ledger().usage("flaky")).isEqualTo(before);
        callAFewTimes(arm, 10);

        assertThat(before.cost()).isEqualByComparingTo(Pricing.LAMBDA_X86_64.totalCost(10, 10 * 256));
        Usage after = arm.ledger().usage("flaky");
        assertThat(after.requests()).isEqualTo(20);
        assertThat(after.cost()).isEqualByComparingTo(before.cost().add(Pricing.LAMBDA_ARM64.totalCost(10, 10 * 256)));
    }

    @Test
    void movesATornTailAsideAndCutsIt() throws IOException {
        FaasRuntime first = fixture.start(b -> b.ledgerJournal(directory));
        callAFewTimes(first, 10);
        List<InvocationRecord> written = first.ledger().entries();
        first.close();
        Path segment = onlySegment();
        byte[] before = Files.readAllBytes(segment);
        int size = before.length - 7; // a crash in the middle of the last record
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
        int goodBytes = before.length - lastFrameBytes(written.getLast());

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            FaasRuntime second = fixture.start(b -> b.ledgerJournal(directory));

            assertThat(second.ledger().entries()).isEqualTo(written.subList(0, 9));
            assertThat(log.messages())
                    .singleElement()
                    .asString()
                    .contains(
                            "ended in an incomplete record of " + (size - goodBytes) + " bytes at offset " + goodBytes)
                    .contains("moved to ledger-0000000001.seg.torn and cut");
        }
        assertThat(Files.size(segment)).isEqualTo(goodBytes);
        assertThat(Files.readAllBytes(directory.resolve("ledger-0000000001.seg.torn")))
                .isEqualTo(java.util.Arrays.copyOfRange(before, goodBytes, size));
    }

    @Test
    void skipsACorruptRecordKeepingEveryOneAfterItAndTheFileAsItIs() throws IOException {
        FaasRuntime first = fixture.start(b -> b.ledgerJournal(directory));
        callAFewTimes(first, 10);
        List<InvocationRecord> written = first.ledger().entries();
        first.close();
        Path segment = onlySegment();
        long fifthRecord = 8;
        for (int i = 0; i < 4; i++) {
            fifthRecord += lastFrameBytes(written.get(i));
        }
        byte[] content = Files.readAllBytes(segment);
        content[(int) fifthRecord + 20] ^= 0x5A; // a flipped byte inside the fifth record's payload
        Files.write(segment, content);

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            FaasRuntime second = fixture.start(b -> b.ledgerJournal(directory));

            List<InvocationRecord> expected = new ArrayList<>(written);
            expected.remove(4);
            assertThat(second.ledger().entries()).isEqualTo(expected);
            assertThat(log.messages())
                    .singleElement()
                    .asString()
                    .contains(lastFrameBytes(written.get(4)) + " bytes at offset " + fifthRecord
                            + " hold no record that checks out (skipped, left in place)");
        }
        assertThat(Files.readAllBytes(segment)).isEqualTo(content);
    }

    @Test
    void writesAndRecoversUnderEveryDurability() {
        for (Durability durability :
                List.of(Durability.sync(), Durability.every(Duration.ofMillis(10)), Durability.os())) {
            Path dir = directory.resolve(durability.mode().name());
            FaasRuntime writer = fixture.start(b -> b.ledgerJournal(dir, durability));
            callAFewTimes(writer, 30);
            writer.close();

            FaasRuntime reader = fixture.start(b -> b.ledgerJournal(dir, durability));
            assertThat(reader.ledger().entries()).as(durability.toString()).hasSize(30);
        }
    }

    @Test
    void rotatesSegmentsAndReadsThemBackInOrder() {
        Pricing pricing = Pricing.LAMBDA_X86_64;
        LedgerJournal journal = new LedgerJournal(
                directory,
                Durability.sync(),
                pricing,
                () -> {},
                1024,
                file -> FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        journal.recover(entry -> {});
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            LedgerEntry entry = entry("request-" + i);
            ids.add(entry.requestId());
            journal.append(entry);
        }
        journal.close();

        assertThat(segments()).hasSizeGreaterThan(5);
        assertThat(recoveredIds()).isEqualTo(ids);
    }

    @Test
    void aFailingJournalNeverFailsACallAndLosesNothing() {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger opens = new AtomicInteger();
        LedgerJournal journal = new LedgerJournal(
                directory,
                Durability.sync(),
                Pricing.LAMBDA_X86_64,
                failures::incrementAndGet,
                LedgerJournal.DEFAULT_SEGMENT_BYTES,
                file -> {
                    if (opens.incrementAndGet() <= 2) {
                        throw new IOException("disk full");
                    }
                    return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                });
        journal.recover(entry -> {});

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.INFO)) {
            journal.append(entry("first")); // waits through two failed attempts: it is on disk when this returns
            journal.append(entry("second"));
            journal.close();

            assertThat(failures).hasValue(2);
            assertThat(log.messages())
                    .filteredOn(line -> line.contains("journal"))
                    .hasSize(2)
                    .anySatisfy(line -> assertThat(line)
                            .contains("cannot write (java.io.IOException: disk full); its"
                                    + " records wait in memory, in order"))
                    .anySatisfy(line ->
                            assertThat(line).contains("is writing again").contains("no record was lost"));
        }
        assertThat(recoveredIds()).containsExactly("first", "second");
        assertThat(segments())
                .as("no segment index burned, no empty file left")
                .hasSize(1)
                .first()
                .extracting(path -> path.getFileName().toString())
                .isEqualTo("ledger-0000000001.seg");
    }

    @Test
    void refusesASecondRuntimeOnTheSameDirectoryNamingTheHolder() throws Exception {
        FaasRuntime first = fixture.start(b -> b.ledgerJournal(directory));
        callAFewTimes(first, 3);

        assertThatThrownBy(() -> FaasRuntime.builder().ledgerJournal(directory).build())
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("ledgerJournal"))
                .hasMessageContaining("the ledger journal in " + directory + " is in use by another runtime in this"
                        + " process (pid " + ProcessHandle.current().pid() + ")")
                .hasMessageContaining("close that runtime first, or give this one a directory of its own");
        // The refusal must not have let go of the first runtime's lock: another process is refused too.
        assertThat(JournalRecoveryChild.recoverInChild("-Xmx64m", directory))
                .contains("is in use by another runtime (pid "
                        + ProcessHandle.current().pid() + " since ");
        callAFewTimes(first, 3);
        first.close();

        FaasRuntime second = fixture.start(b -> b.ledgerJournal(directory));
        assertThat(second.ledger().entries()).hasSize(6);
    }

    @Test
    void diskFullAndUnwritableEpisodesUnderSyncLoseNoAcknowledgedRecord() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        AtomicBoolean unwritable = new AtomicBoolean();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FaasRuntime runtime = fixture.start(b -> b.ledgerJournal(directory)
                .meterRegistry(registry)
                .journalSegments(2048, FaultyChannel.opener(full, unwritable)));
        callAFewTimes(runtime, 10);
        FunctionRef<Integer, Integer> flaky = runtime.function("flaky", Integer.class, Integer.class);
        LedgerJournal journal = runtime.engine().ledger.journal();

        full.set(true); // writes put half their bytes down, then fail; forces fail
        List<CompletableFuture<InvocationReport>> duringDiskFull = calls(flaky, 20);
        awaitFailingWith(registry, journal, 20);
        assertThat(duringDiskFull)
                .as("no call returns before its record is on disk")
                .noneMatch(CompletableFuture::isDone);

        unwritable.set(true); // the held batch fills the segment, and no new one can be made
        full.set(false);
        for (CompletableFuture<InvocationReport> call : duringDiskFull) {
            call.get(30, TimeUnit.SECONDS);
        }
        List<CompletableFuture<InvocationReport>> duringUnwritable = calls(flaky, 20);
        awaitFailingWith(registry, journal, 20);
        assertThat(duringUnwritable).noneMatch(CompletableFuture::isDone);
        unwritable.set(false);

        List<String> acknowledged = new ArrayList<>();
        for (CompletableFuture<InvocationReport> call : concat(duringDiskFull, duringUnwritable)) {
            acknowledged.add(call.get(30, TimeUnit.SECONDS).requestId());
        }
        callAFewTimes(runtime, 10);
        List<String> all = runtime.ledger().entries().stream()
                .map(InvocationRecord::requestId)
                .toList();
        runtime.close();

        FaasRuntime recovered = fixture.start(b -> b.ledgerJournal(directory));
        assertThat(recovered.ledger().entries().stream()
                        .map(InvocationRecord::requestId)
                        .toList())
                .hasSize(60)
                .containsExactlyInAnyOrderElementsOf(all)
                .containsAll(acknowledged);
    }

    private static List<CompletableFuture<InvocationReport>> calls(FunctionRef<Integer, Integer> function, int count) {
        List<CompletableFuture<InvocationReport>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            calls.add(function.invokeForReportAsync(i + 1)); // none divisible by 3 twice in a row: mixed outcomes
        }
        return calls;
    }

    /** Until every call's record is held by a journal that has failed at least twice more. */
    private static void awaitFailingWith(SimpleMeterRegistry registry, LedgerJournal journal, int held) {
        double before = registry.get("faas.ledger.journal.failures").counter().count();
        Eventually.eventually().untilAsserted(() -> {
            assertThat(journal.backlog()).isEqualTo(held);
            assertThat(registry.get("faas.ledger.journal.failures").counter().count())
                    .isGreaterThanOrEqualTo(before + 2);
        });
    }

    @Test
    void refusesAJournalDirectoryThatIsAFile() throws IOException {
        Path file = Files.createFile(directory.resolve("not-a-directory"));

        assertThatThrownBy(() -> FaasRuntime.builder().ledgerJournal(file).build())
                .isInstanceOfSatisfying(
                        InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo("ledgerJournal"))
                .hasMessageContaining("ledgerJournal must be a directory faas can create and write");
    }

    private static void callAFewTimes(FaasRuntime runtime, int calls) {
        FunctionRef<Integer, Integer> flaky = runtime.describe("flaky").isPresent()
                ? runtime.function("flaky", Integer.class, Integer.class)
                : runtime.deploy(FunctionSpec.of("flaky", Integer.class, Integer.class, () -> (input, context) -> {
                            if (input % 3 == 0) {
                                throw new IllegalStateException("every third");
                            }
                            return input;
                        })
                        .withConfig(FunctionConfig.builder().memoryMb(256).build()));
        for (int i = 0; i < calls; i++) {
            flaky.invokeForReport(i);
        }
    }

    private static LedgerEntry entry(String requestId) {
        return new LedgerEntry(
                0,
                0,
                requestId,
                "f",
                "$LATEST",
                InvocationType.EVENT,
                Outcome.SUCCESS,
                Instant.parse("2026-01-01T00:00:00Z"),
                1_500_000,
                -1,
                1,
                128,
                2,
                -1,
                null,
                null,
                null);
    }

    private List<String> recoveredIds() {
        List<String> recovered = new ArrayList<>();
        LedgerJournal again = new LedgerJournal(directory, Durability.sync(), Pricing.LAMBDA_X86_64, () -> {});
        again.recover(entry -> recovered.add(entry.requestId()));
        again.close();
        return recovered;
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> both = new ArrayList<>(first);
        both.addAll(second);
        return both;
    }

    private static int lastFrameBytes(InvocationRecord record) {
        return RecordCodec.encode(record, java.nio.ByteBuffer.allocate(16)).position();
    }

    private Path onlySegment() throws IOException {
        List<Path> all = segments();
        assertThat(all).hasSize(1);
        return all.getFirst();
    }

    private List<Path> segments() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".seg"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
