package dev.faas.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.events.HttpRequestEvent;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.api.events.QueueBatchEvent;
import dev.faas.api.events.ScheduledEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

final class EventsTest {

    @Test
    void buildsAnHttpRequest() {
        HttpRequestEvent request = Events.httpRequest("post", "/orders/42")
                .pathParameter("id", "42")
                .query("expand", "lines")
                .query("expand", "customer")
                .header("X-Trace", "abc")
                .json("{\"qty\":3}")
                .requestId("req-1")
                .build();

        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/orders/42");
        assertThat(request.pathParameter("id")).contains("42");
        assertThat(request.queryParameters().get("expand")).containsExactly("lines", "customer");
        assertThat(request.header("x-trace")).contains("abc");
        assertThat(request.header("Content-Type")).contains("application/json");
        assertThat(request.bodyText()).isEqualTo("{\"qty\":3}");
        assertThat(request.requestId()).isEqualTo("req-1");
        assertThat(request.sourceAddress()).isEqualTo("127.0.0.1:54321");
    }

    @Test
    void buildsScheduleQueueAndObjectEvents() {
        Instant at = Instant.parse("2026-07-01T00:00:00Z");

        ScheduledEvent tick = Events.scheduled("nightly", "report", at);
        QueueBatchEvent batch = Events.queueBatch("orders", "first", "second");
        ObjectCreatedEvent object = Events.objectCreated("uploads", "cat.png", "meow".getBytes(UTF_8), at);

        assertThat(tick.scheduledTime()).isEqualTo(at);
        assertThat(tick.target()).isEqualTo("report");
        assertThat(batch.messages()).extracting(QueueBatchEvent.Message::body).containsExactly("first", "second");
        assertThat(batch.messages())
                .extracting(QueueBatchEvent.Message::receiveCount)
                .containsOnly(1);
        assertThat(batch.messages().stream()
                        .map(QueueBatchEvent.Message::messageId)
                        .distinct()
                        .toList())
                .hasSize(2);
        assertThat(object)
                .isEqualTo(new ObjectCreatedEvent(
                        "uploads", "cat.png", 4, "4a4be40c96ac6314e91d93f38043a634", "000655815F672000", at));
        assertThat(List.of(tick.schedule(), object.key())).containsExactly("nightly", "cat.png");
    }
}
