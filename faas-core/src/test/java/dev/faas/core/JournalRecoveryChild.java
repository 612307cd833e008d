package dev.faas.core;

import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.internal.ledger.LedgerJournal;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link JournalRecoveryTest}'s bounded-memory case: recovers the journal in the
 * directory it is given, on whatever small heap it was started with, and prints how many records
 * came back.
 */
public final class JournalRecoveryChild {

    private JournalRecoveryChild() {
    }

    public static void main(String[] args) {
        AtomicLong records = new AtomicLong();
        LedgerJournal journal = new LedgerJournal(Path.of(args[0]), Durability.sync(), Pricing.LAMBDA_X86_64, () -> { });
        journal.recover(entry -> records.incrementAndGet());
        journal.close();
        System.out.println("recovered " + records.get());
    }
}
