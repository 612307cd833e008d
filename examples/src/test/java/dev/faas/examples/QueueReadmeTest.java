package dev.faas.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.faas.api.FunctionSpec;
import dev.faas.api.events.BatchResponse;
import dev.faas.api.events.QueueBatchEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.queue.MessageQueue;
import dev.faas.triggers.queue.QueueTrigger;
import java.io.IOException;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The README's queue example: run here, and compared with the README's text. */
final class QueueReadmeTest {

    @Test
    void theExampleHandsTheFunctionItsMessages() {
        Queue<String> fulfilled = new ConcurrentLinkedQueue<>();
        try (FaasRuntime runtime = FaasRuntime.builder().reportLog(false).build()) {
            runtime.deploy(FunctionSpec.of(
                    "fulfil", QueueBatchEvent.class, BatchResponse.class, () -> (batch, context) -> {
                        batch.messages().forEach(message -> fulfilled.add(message.body()));
                        return BatchResponse.failed(); // none failed
                    }));
            MessageQueue ordersDlq = MessageQueue.builder("orders-dlq").build();

            // tag::queue[]
            MessageQueue orders = MessageQueue.builder("orders")
                    .clock(runtime.clock()) // visibility, delays and retention on the runtime's clock
                    .visibilityTimeout(Duration.ofSeconds(30)) // at least the function's timeout
                    .deadLetterQueue(ordersDlq, 3) // a message received three times, and failed, moves there
                    .build();
            orders.send("{\"id\": 17}");
            runtime.addTrigger(QueueTrigger.builder(orders, "fulfil") // fulfil takes a QueueBatchEvent
                    .batchSize(10)
                    .reportBatchItemFailures(true) // fulfil returns a BatchResponse naming what failed
                    .build());
            // end::queue[]

            await().atMost(Duration.ofSeconds(10)).until(() -> orders.stats().held() == 0);
            assertThat(fulfilled).containsExactly("{\"id\": 17}");
            assertThat(ordersDlq.stats().held()).isZero();
        }
    }

    @Test
    void readmeShowsTheExampleVerbatim() throws IOException {
        assertThat(ReadmeSnippets.shownAfter("## Queues"))
                .as("the README's queue example")
                .isEqualTo(ReadmeSnippets.tagged("QueueReadmeTest", "queue"));
    }
}
