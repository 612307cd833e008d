package dev.faas.core.internal.ledger;

import dev.faas.api.ledger.Durability;
import dev.faas.api.ledger.Pricing;
import dev.faas.core.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of the journal tests' bounded-memory and locked-directory cases: recovers the journal in the
 * directory it is given, on whatever small heap it was started with, and prints how many records
 * came back.
 */
public final class JournalRecoveryChild {

    private JournalRecoveryChild() {}

    /** Recovers {@code dir} in a child JVM started with {@code heap}; what it printed, once it ended. */
    public static String recoverInChild(String heap, Path dir) throws IOException, InterruptedException {
        return ChildJvm.run(List.of(heap), JournalRecoveryChild.class, dir.toString());
    }

    public static void main(String[] args) {
        AtomicLong records = new AtomicLong();
        LedgerJournal journal = new LedgerJournal(Path.of(args[0]), Durability.sync(), Pricing.LAMBDA_X86_64, () -> {});
        journal.recover(entry -> records.incrementAndGet());
        journal.close();
        System.out.println("recovered " + records.get());
    }
}
