package dev.faas.core.internal.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faas.api.InvalidConfigException;
import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.Pricing;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corruption matrix: a segment of twelve records, damaged one way at a time, recovers exactly
 * the records that were not touched; the journal never changes a file it cannot read; files that
 * are not its own stop the start with a typed error.
 */
final class JournalRecoveryTest {

    private static final int RECORDS = 12;

    @TempDir
    Path directory;

    private final List<LedgerEntry> entries =
            IntStream.range(0, RECORDS).mapToObj(JournalRecoveryTest::entry).toList();

    /** One way of damaging a segment, and the records that must come back. */
    record Damage(String name, Mutation mutation, List<Integer> survivors) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Mutation {
        byte[] apply(byte[] segment, int[] frames);
    }

    static Stream<Damage> damage() {
        List<Damage> all = new ArrayList<>();
        List<Integer> every = IntStream.range(0, RECORDS).boxed().toList();
        for (int k = 0; k < RECORDS; k++) {
            int record = k;
            all.add(new Damage(
                    "bit flip in the payload of record " + k,
                    (bytes, frames) -> flip(bytes, frames[record] + 8 + 11),
                    without(every, record)));
            all.add(new Damage(
                    "bit flip in the checksum of record " + k,
                    (bytes, frames) -> flip(bytes, frames[record] + 5),
                    without(every, record)));
        }
        all.add(new Damage(
                "length of record 3 made huge",
                (bytes, frames) -> putInt(bytes, frames[3], 0x7fff_0000),
                without(every, 3)));
        all.add(new Damage(
                "length of record 3 made negative",
                (bytes, frames) -> putInt(bytes, frames[3], -5),
                without(every, 3)));
        all.add(new Damage(
                "length of record 3 one too long",
                (bytes, frames) -> putInt(bytes, frames[3], frames[4] - frames[3] - 8 + 1),
                without(every, 3)));
        all.add(new Damage(
                "length of record 3 one too short",
                (bytes, frames) -> putInt(bytes, frames[3], frames[4] - frames[3] - 8 - 1),
                without(every, 3)));
        all.add(new Damage(
                "records 2 to 4 zeroed",
                (bytes, frames) -> zero(bytes, frames[2], frames[5]),
                without(without(without(every, 2), 3), 4)));
        all.add(new Damage(
                "a zeroed range across records 6 and 7",
                (bytes, frames) -> zero(bytes, frames[6] + 10, frames[7] + 10),
                without(without(every, 6), 7)));
        all.add(new Damage(
                "garbage inserted between records 5 and 6",
                (bytes, frames) -> insert(bytes, frames[6], randomBytes(300)),
                every));
        all.add(new Damage("one byte of the magic changed", (bytes, frames) -> flip(bytes, 3), every));
        all.add(new Damage("the whole magic zeroed", (bytes, frames) -> zero(bytes, 0, 8), every));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damage")
    void recoversExactlyTheIntactRecordsAndLeavesTheFileAsItIs(Damage damage) throws IOException {
        Path segment = writeSegment();
        byte[] damaged = damage.mutation().apply(Files.readAllBytes(segment), frameOffsets());
        Files.write(segment, damaged);

        assertThat(recover()).isEqualTo(ids(damage.survivors()));
        assertThat(Files.readAllBytes(segment))
                .as("the damaged file is left as it was")
                .isEqualTo(damaged);
    }

    @Test
    void truncationAtEveryFrameBoundaryKeepsTheRecordsBeforeIt() throws IOException {
        Path segment = writeSegment();
        byte[] whole = Files.readAllBytes(segment);
        int[] frames = frameOffsets();
        for (int k = 0; k <= RECORDS; k++) {
            int end = k == RECORDS ? whole.length : frames[k];
            Files.write(segment, Arrays.copyOf(whole, end));

            assertThat(recover())
                    .as("cut before record " + k)
                    .isEqualTo(ids(IntStream.range(0, k).boxed().toList()));
            assertThat(Files.size(segment)).isEqualTo(end);
        }
    }

    @Test
    void truncationInsideTheLastFrameMovesTheTornTailAsideOnce() throws IOException {
        Path segment = writeSegment();
        byte[] whole = Files.readAllBytes(segment);
        int[] frames = frameOffsets();
        for (int cut : new int[] {1, 4, 8, 9, 40}) {
            Files.write(segment, Arrays.copyOf(whole, frames[RECORDS - 1] + cut));
            Files.deleteIfExists(directory.resolve("ledger-0000000001.seg.torn"));

            assertThat(recover())
                    .as("cut %d bytes into the last record", cut)
                    .isEqualTo(ids(IntStream.range(0, RECORDS - 1).boxed().toList()));
            assertThat(Files.size(segment)).isEqualTo(frames[RECORDS - 1]);
            assertThat(Files.readAllBytes(directory.resolve("ledger-0000000001.seg.torn")))
                    .isEqualTo(Arrays.copyOfRange(whole, frames[RECORDS - 1], frames[RECORDS - 1] + cut));
        }
    }

    @Test
    void aDamagedLengthOfTheLastRecordLooksTornAndIsKeptAside() throws IOException {
        Path segment = writeSegment();
        byte[] whole = Files.readAllBytes(segment);
        int last = frameOffsets()[RECORDS - 1];
        byte[] damaged = putInt(whole, last, whole.length - last); // runs past the end, as a torn write does

        Files.write(segment, damaged);

        assertThat(recover())
                .isEqualTo(ids(IntStream.range(0, RECORDS - 1).boxed().toList()));
        assertThat(Files.readAllBytes(directory.resolve("ledger-0000000001.seg.torn")))
                .as("nothing is lost: the bytes it could not read are kept aside")
                .isEqualTo(Arrays.copyOfRange(damaged, last, damaged.length));
    }

    @Test
    void aTornTailOfAnOlderSegmentIsLeftInPlace() throws IOException {
        Path first = writeSegment();
        LedgerEntry later = entry(99);
        append(later); // into a second segment
        byte[] whole = Files.readAllBytes(first);
        byte[] torn = Arrays.copyOf(whole, frameOffsets()[RECORDS - 1] + 5);
        Files.write(first, torn);

        assertThat(recover())
                .containsExactlyElementsOf(
                        concat(ids(IntStream.range(0, RECORDS - 1).boxed().toList()), List.of(later.requestId())));
        assertThat(Files.readAllBytes(first)).isEqualTo(torn);
    }

    @Test
    void findsTheRecordsAfterAZeroedStartLongerThanTheHeaderSearch() throws IOException {
        Path segment = writeSegment();
        byte[] whole = Files.readAllBytes(segment);
        byte[] zeroedStart = new byte[SegmentScanner.HEADER_SEARCH_BYTES + 10_000];
        byte[] damaged = new byte[zeroedStart.length + whole.length - 8];
        System.arraycopy(whole, 8, damaged, zeroedStart.length, whole.length - 8); // header and first bytes wiped
        Files.write(segment, damaged);

        assertThat(recover()).isEqualTo(ids(IntStream.range(0, RECORDS).boxed().toList()));
        assertThat(Files.readAllBytes(segment)).isEqualTo(damaged);
    }

    @Test
    void refusesAForeignFileNamedLikeASegmentAndLeavesIt() throws IOException {
        byte[] foreign = randomBytes(5_000);
        Path file = Files.write(directory.resolve("ledger-0000000007.seg"), foreign);

        assertThatThrownBy(this::recover)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(
                        "holds ledger-0000000007.seg, which is named like a ledger journal segment but is" + " not one")
                .hasMessageContaining("move it out of " + directory);
        assertThat(Files.readAllBytes(file)).isEqualTo(foreign);
    }

    @Test
    void refusesASymbolicLinkNamedLikeASegmentAndLeavesItsTarget() throws IOException {
        Path victim =
                Files.writeString(directory.getParent().resolve(directory.getFileName() + "-victim.txt"), "keep me");
        Files.createSymbolicLink(directory.resolve("ledger-0000000009.seg"), victim);
        try {
            assertThatThrownBy(this::recover)
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("holds ledger-0000000009.seg, which is named like a ledger journal segment"
                            + " but is a symbolic link");
            assertThat(Files.readString(victim)).isEqualTo("keep me");
        } finally {
            Files.delete(victim);
        }
    }

    @Test
    void numbersAndOrdersSegmentsPastTenDigits() throws IOException {
        Files.move(writeSegment(), directory.resolve("ledger-9999999999.seg"));
        LedgerEntry later = entry(50);
        append(later); // the next segment: ledger-10000000000.seg, first by name, last by number

        assertThat(directory.resolve("ledger-10000000000.seg")).exists();
        assertThat(recover())
                .containsExactlyElementsOf(
                        concat(ids(IntStream.range(0, RECORDS).boxed().toList()), List.of(later.requestId())));
    }

    @Test
    void refusesASegmentNumberedSoHighThatTheNextWouldNotFit() throws IOException {
        Files.move(writeSegment(), directory.resolve("ledger-9223372036854775807.seg"));

        assertThatThrownBy(this::recover)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("its index is past what the journal can number");
    }

    @Test
    void aFrameThatChecksOutButHoldsNonsenseIsSkipped() throws IOException {
        Path segment = writeSegment();
        byte[] whole = Files.readAllBytes(segment);
        int[] frames = frameOffsets();
        // Record 5 rewritten with a start past what an Instant holds, and a checksum that matches it.
        int start = frames[5];
        int length = ByteBuffer.wrap(whole).getInt(start);
        byte[] payload = Arrays.copyOfRange(whole, start + 8, start + 8 + length);
        int startSecondAt = 1 + (4 + 36) + (4 + 1) + (4 + 7) + 2; // version, id, function, version, type, outcome
        ByteBuffer.wrap(payload).putLong(startSecondAt, Long.MAX_VALUE);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(payload);
        ByteBuffer frame = ByteBuffer.wrap(whole);
        frame.putInt(start + 4, (int) crc.getValue());
        System.arraycopy(payload, 0, whole, start + 8, length);
        Files.write(segment, whole);

        assertThat(recover())
                .isEqualTo(ids(without(IntStream.range(0, RECORDS).boxed().toList(), 5)));
    }

    @Test
    void countsACopiedSegmentOnce() throws IOException {
        Path segment = writeSegment();
        Files.copy(segment, directory.resolve("ledger-0000000002.seg"));

        assertThat(recover()).isEqualTo(ids(IntStream.range(0, RECORDS).boxed().toList()));
    }

    @Test
    void readsAHugeSegmentStreamingInASmallHeap() throws Exception {
        Path segment = writeSegment();
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            byte[] records = new byte[(int) file.length() - 8];
            file.seek(8);
            file.readFully(records);
            file.seek(600L << 20); // 600 MB of zeros (a sparse file), then the records again
            file.write(records);
        }
        String output = JournalRecoveryChild.recoverInChild("-Xmx48m", directory);

        assertThat(output).doesNotContain("Exception");
        assertThat(output)
                .as("each record once: the copy after the zeros counts once")
                .contains("recovered " + RECORDS);
    }

    @Test
    void refusesAHugeForeignFileWithoutReadingItAll() throws IOException {
        Path file = directory.resolve("ledger-0000000003.seg");
        try (RandomAccessFile big = new RandomAccessFile(file.toFile(), "rw")) {
            big.write(randomBytes(64));
            big.setLength(3L << 30);
        }

        assertThatThrownBy(this::recover)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("is named like a ledger journal segment but is not one");
        assertThat(Files.size(file)).isEqualTo(3L << 30);
    }

    // ---- helpers ----

    private Path writeSegment() {
        LedgerJournal journal = open();
        journal.recover(entry -> {});
        entries.forEach(journal::append);
        journal.close();
        return directory.resolve("ledger-0000000001.seg");
    }

    private void append(LedgerEntry entry) {
        LedgerJournal journal = open();
        journal.recover(restored -> {});
        journal.append(entry);
        journal.close();
    }

    private List<String> recover() {
        List<String> recovered = new ArrayList<>();
        LedgerJournal journal = open();
        journal.recover(entry -> recovered.add(entry.requestId()));
        journal.close();
        return recovered;
    }

    private LedgerJournal open() {
        return new LedgerJournal(directory, Durability.sync(), Pricing.LAMBDA_X86_64, () -> {});
    }

    /** Where each record's frame begins in the segment written by {@link #writeSegment()}. */
    private int[] frameOffsets() {
        int[] offsets = new int[RECORDS];
        int at = LedgerJournal.MAGIC.length;
        for (int i = 0; i < RECORDS; i++) {
            offsets[i] = at;
            at += RecordCodec.encode(entries.get(i).toRecord(Pricing.LAMBDA_X86_64), ByteBuffer.allocate(16))
                    .position();
        }
        return offsets;
    }

    private List<String> ids(List<Integer> indexes) {
        return indexes.stream().map(i -> entries.get(i).requestId()).toList();
    }

    private static LedgerEntry entry(int i) {
        UUID id = new UUID(0x1234_5678_9abc_4defL + i, 0x8000_0000_0000_0000L | i);
        return new LedgerEntry(
                id.getMostSignificantBits(),
                id.getLeastSignificantBits(),
                null,
                "f",
                "$LATEST",
                InvocationType.REQUEST_RESPONSE,
                Outcome.SUCCESS,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i),
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

    private static List<Integer> without(List<Integer> all, int gone) {
        return all.stream().filter(i -> i != gone).toList();
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> both = new ArrayList<>(first);
        both.addAll(second);
        return both;
    }

    private static byte[] flip(byte[] bytes, int at) {
        byte[] copy = bytes.clone();
        copy[at] ^= 0x10;
        return copy;
    }

    private static byte[] putInt(byte[] bytes, int at, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).putInt(at, value);
        return copy;
    }

    private static byte[] zero(byte[] bytes, int from, int to) {
        byte[] copy = bytes.clone();
        Arrays.fill(copy, from, to, (byte) 0);
        return copy;
    }

    private static byte[] insert(byte[] bytes, int at, byte[] more) {
        byte[] copy = new byte[bytes.length + more.length];
        System.arraycopy(bytes, 0, copy, 0, at);
        System.arraycopy(more, 0, copy, at, more.length);
        System.arraycopy(bytes, at, copy, at + more.length, bytes.length - at);
        return copy;
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new Random(42).nextBytes(bytes);
        return bytes;
    }
}
