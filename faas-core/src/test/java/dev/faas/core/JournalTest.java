package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationType;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.api.ledger.Pricing;
import dev.faas.api.ledger.Usage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
        FaasRuntime x86 = fixture.start(b -> b.ledgerJournal(directory).pricing(Pricing.LAMBDA_X86_64)
                .clock(new ManualClock(Instant.EPOCH)));
        callAFewTimes(x86, 10);
        Usage before = x86.ledger().usage("flaky");
        x86.close();

        FaasRuntime arm = fixture.start(b -> b.ledgerJournal(directory).pricing(Pricing.LAMBDA_ARM64)
                .clock(new ManualClock(Instant.EPOCH)));
        assertThat(arm.ledger().usage("flaky")).isEqualTo(before);
        callAFewTimes(arm, 10);

        assertThat(before.cost()).isEqualByComparingTo(Pricing.LAMBDA_X86_64.totalCost(10, 10 * 256));
        Usage after = arm.ledger().usage("flaky");
        assertThat(after.requests()).isEqualTo(20);
        assertThat(after.cost()).isEqualByComparingTo(before.cost().add(Pricing.LAMBDA_ARM64.totalCost(10, 10 * 256)));
    }

    @Test
    void cutsATornTailAtTheLastWholeRecord() throws IOException {
        FaasRuntime first = fixture.start(b -> b.ledgerJournal(directory));
        callAFewTimes(first, 10);
        List<InvocationRecord> written = first.ledger().entries();
        first.close();
        Path segment = onlySegment();
        long size = Files.size(segment);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(size - 7); // a crash in the middle of the last record
        }
        long goodBytes = size - lastFrameBytes(written.getLast());

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.WARN)) {
            FaasRuntime second = fixture.start(b -> b.ledgerJournal(directory));

            assertThat(second.ledger().entries()).isEqualTo(written.subList(0, 9));
            assertThat(log.messages()).singleElement().asString()
                    .contains("had a torn or corrupt tail of " + (size - 7 - goodBytes) + " bytes at offset " + goodBytes)
                    .contains("keeping the 9 records before it");
        }
        assertThat(Files.size(segment)).isEqualTo(goodBytes);
    }

    @Test
    void cutsAtACorruptRecord() throws IOException {
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

        FaasRuntime second = fixture.start(b -> b.ledgerJournal(directory));

        assertThat(second.ledger().entries()).isEqualTo(written.subList(0, 4));
    }

    @Test
    void writesAndRecoversUnderEveryDurability() {
        for (Durability durability : List.of(Durability.sync(), Durability.every(Duration.ofMillis(10)),
                Durability.os())) {
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
        LedgerJournal journal = new LedgerJournal(directory, Durability.sync(), pricing, () -> { }, 1024,
                file -> FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        journal.recover(entry -> { });
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            LedgerEntry entry = entry("request-" + i);
            ids.add(entry.requestId());
            journal.append(entry);
        }
        journal.close();

        List<String> recovered = new ArrayList<>();
        LedgerJournal again = new LedgerJournal(directory, Durability.sync(), pricing, () -> { });
        again.recover(entry -> recovered.add(entry.requestId()));
        again.close();

        assertThat(segments()).hasSizeGreaterThan(5);
        assertThat(recovered).isEqualTo(ids);
    }

    @Test
    void aFailingJournalNeverFailsACallAndTriesAgain() {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger opens = new AtomicInteger();
        LedgerJournal journal = new LedgerJournal(directory, Durability.sync(), Pricing.LAMBDA_X86_64,
                failures::incrementAndGet, LedgerJournal.DEFAULT_SEGMENT_BYTES, file -> {
                    if (opens.incrementAndGet() <= 2) {
                        throw new IOException("disk full");
                    }
                    return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                });
        journal.recover(entry -> { });

        try (LogCapture log = LogCapture.of(FaasRuntime.class.getName(), Level.INFO)) {
            journal.append(entry("lost-1")); // returns although nothing could be written
            journal.append(entry("lost-2"));
            journal.append(entry("kept"));
            journal.close();

            assertThat(failures).hasValue(2);
            assertThat(log.messages()).filteredOn(line -> line.contains("journal")).hasSize(2)
                    .anySatisfy(line -> assertThat(line).contains("failed; records stay in the in-memory ledger"))
                    .anySatisfy(line -> assertThat(line).contains("is writing again"));
        }
        List<String> recovered = new ArrayList<>();
        LedgerJournal again = new LedgerJournal(directory, Durability.sync(), Pricing.LAMBDA_X86_64, () -> { });
        again.recover(entry -> recovered.add(entry.requestId()));
        again.close();
        assertThat(recovered).containsExactly("kept");
    }

    @Test
    void refusesAJournalDirectoryThatIsAFile() throws IOException {
        Path file = Files.createFile(directory.resolve("not-a-directory"));

        assertThatThrownBy(() -> FaasRuntime.builder().ledgerJournal(file).build())
                .isInstanceOfSatisfying(InvalidConfigException.class,
                        e -> assertThat(e.field()).isEqualTo("ledgerJournal"))
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
                }).withConfig(FunctionConfig.builder().memoryMb(256).build()));
        for (int i = 0; i < calls; i++) {
            flaky.invokeForReport(i);
        }
    }

    private static LedgerEntry entry(String requestId) {
        return new LedgerEntry(0, 0, requestId, "f", "$LATEST", InvocationType.EVENT, Outcome.SUCCESS,
                Instant.parse("2026-01-01T00:00:00Z"), 1_500_000, -1, 1, 128, 2, -1, null, null, null);
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
            return files.filter(file -> file.getFileName().toString().endsWith(".seg")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
