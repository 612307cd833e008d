package dev.faas.testing;

import dev.faas.api.events.HttpRequestEvent;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.api.events.QueueBatchEvent;
import dev.faas.api.events.ScheduledEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fixtures for the events triggers deliver, so that a handler can be tested without its trigger.
 *
 * <pre>{@code
 * HttpRequestEvent request = Events.httpRequest("POST", "/orders/42")
 *         .pathParameter("id", "42").header("Content-Type", "application/json").body("{\"qty\":3}").build();
 * QueueBatchEvent batch = Events.queueBatch("orders", "first", "second");
 * }</pre>
 */
public final class Events {

    private static final AtomicLong MESSAGE_IDS = new AtomicLong();

    private Events() {}

    /**
     * An HTTP request to build.
     *
     * @param method the method (any case)
     * @param path the path, without a query string
     * @return a builder; {@code build()} makes the event
     */
    public static HttpRequestBuilder httpRequest(String method, String path) {
        return new HttpRequestBuilder(method, path);
    }

    /**
     * A schedule's tick, delivered on time.
     *
     * @param schedule the schedule's name
     * @param target the function it is delivered to
     * @param at when it was due
     * @return the event
     */
    public static ScheduledEvent scheduled(String schedule, String target, Instant at) {
        return new ScheduledEvent(schedule, at, at, target);
    }

    /**
     * A batch of first deliveries, one message per body, with ids {@code message-1}, {@code message-2}, ...
     *
     * @param queue the queue's name
     * @param bodies the messages' bodies, in order
     * @return the event
     */
    public static QueueBatchEvent queueBatch(String queue, String... bodies) {
        List<QueueBatchEvent.Message> messages = new ArrayList<>();
        for (String body : bodies) {
            messages.add(queueMessage(body));
        }
        return new QueueBatchEvent(queue, messages);
    }

    /**
     * A message delivered for the first time, with the next id and no attributes.
     *
     * @param body its body
     * @return the message
     */
    public static QueueBatchEvent.Message queueMessage(String body) {
        return new QueueBatchEvent.Message(
                "message-" + MESSAGE_IDS.incrementAndGet(), body, Map.of(), 1, Instant.EPOCH);
    }

    /**
     * A new object in a store, its etag the MD5 of {@code content} and its sequencer from {@code at}
     * (its microseconds, as an object trigger's are at least).
     *
     * @param bucket the store
     * @param key the object's key
     * @param content what it holds
     * @param at when it was written
     * @return the event
     */
    public static ObjectCreatedEvent objectCreated(String bucket, String key, byte[] content, Instant at) {
        String etag;
        try {
            etag = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has MD5", impossible);
        }
        String sequencer =
                String.format("%016X", at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000); // as the trigger's
        return new ObjectCreatedEvent(bucket, key, content.length, etag, sequencer, at);
    }

    /** Builds an {@link HttpRequestEvent}; every part but the method and path is optional. */
    public static final class HttpRequestBuilder {
        private final String method;
        private final String path;
        private final Map<String, String> pathParameters = new LinkedHashMap<>();
        private final Map<String, List<String>> query = new LinkedHashMap<>();
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private byte[] body = new byte[0];
        private String requestId = UUID.randomUUID().toString();
        private String sourceAddress = "127.0.0.1:54321";

        private HttpRequestBuilder(String method, String path) {
            this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
            this.path = Objects.requireNonNull(path, "path");
        }

        /**
         * Sets a path parameter, as a route's {@code {name}} segment would.
         *
         * @param name the segment's name
         * @param value its value
         * @return this builder
         */
        public HttpRequestBuilder pathParameter(String name, String value) {
            pathParameters.put(name, value);
            return this;
        }

        /**
         * Adds a query parameter value.
         *
         * @param name the parameter
         * @param value a value
         * @return this builder
         */
        public HttpRequestBuilder query(String name, String value) {
            query.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
            return this;
        }

        /**
         * Adds a header value.
         *
         * @param name the header (any case)
         * @param value a value
         * @return this builder
         */
        public HttpRequestBuilder header(String name, String value) {
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new ArrayList<>())
                    .add(value);
            return this;
        }

        /**
         * Sets a UTF-8 text body.
         *
         * @param text the body
         * @return this builder
         */
        public HttpRequestBuilder body(String text) {
            return body(text.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Sets the body's bytes.
         *
         * @param bytes the body
         * @return this builder
         */
        public HttpRequestBuilder body(byte[] bytes) {
            this.body = bytes.clone();
            return this;
        }

        /**
         * Sets a JSON body and its content type.
         *
         * @param json the body
         * @return this builder
         */
        public HttpRequestBuilder json(String json) {
            header("Content-Type", "application/json");
            return body(json);
        }

        /**
         * Sets the request id (a random UUID by default).
         *
         * @param requestId the id
         * @return this builder
         */
        public HttpRequestBuilder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        /**
         * Sets the client's address ({@code 127.0.0.1:54321} by default).
         *
         * @param sourceAddress {@code host:port}
         * @return this builder
         */
        public HttpRequestBuilder sourceAddress(String sourceAddress) {
            this.sourceAddress = sourceAddress;
            return this;
        }

        /** Makes the event. */
        public HttpRequestEvent build() {
            return new HttpRequestEvent(requestId, method, path, pathParameters, query, headers, body, sourceAddress);
        }
    }
}
