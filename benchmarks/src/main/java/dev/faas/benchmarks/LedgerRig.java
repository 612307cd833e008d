package dev.faas.benchmarks;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.ledger.FunctionUsage;
import dev.faas.core.internal.ledger.LedgerEntry;
import dev.faas.core.internal.ledger.LedgerJournal;
import dev.faas.core.internal.ledger.RuntimeLedger;
import dev.faas.core.internal.util.RequestIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/** A ledger, with or without a journal in a temporary directory, and what recording one entry takes. */
final class LedgerRig implements AutoCloseable {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final Path directory;
    private final RuntimeLedger ledger;
    private final FunctionUsage usage;

    /** @param journal "memory", "os", "every-50ms" or "sync" */
    LedgerRig(String journal) throws IOException {
        LedgerJournal writer = null;
        if (journal.equals("memory")) {
            directory = null;
        } else {
            directory = Files.createTempDirectory("faas-ledger-bench");
            Durability durability = switch (journal) {
                case "os" -> Durability.os();
                case "every-50ms" -> Durability.every(Duration.ofMillis(50));
                case "sync" -> Durability.sync();
                default -> throw new IllegalArgumentException("unknown journal " + journal);
            };
            writer = new LedgerJournal(directory, durability, Pricing.LAMBDA_X86_64, () -> {});
        }
        ledger = new RuntimeLedger(Pricing.LAMBDA_X86_64, 100_000, writer, null);
        usage = ledger.usageOf("bench");
    }

    /**
     * Records a call as an invocation's thread does, with a random request id as an invocation has.
     * An invocation is read in place; the rig makes an entry per record, which costs a little more.
     */
    void record() {
        ledger.record(
                new LedgerEntry(
                        RequestIds.high(),
                        RequestIds.low(),
                        null,
                        "bench",
                        "$LATEST",
                        InvocationType.REQUEST_RESPONSE,
                        Outcome.SUCCESS,
                        START,
                        1_234_567,
                        -1,
                        1,
                        128,
                        2,
                        -1,
                        null,
                        null,
                        null),
                usage);
    }

    @Override
    public void close() throws IOException {
        ledger.close();
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }
}
