/**
 * The payloads triggers deliver to functions, as {@code aws-lambda-java-events} does for Lambda: an
 * HTTP request and the response a function returns ({@link dev.faas.api.events.HttpRequestEvent},
 * {@link dev.faas.api.events.HttpResponseEvent}), a schedule's tick
 * ({@link dev.faas.api.events.ScheduledEvent}), a batch of queue messages
 * ({@link dev.faas.api.events.QueueBatchEvent}) and a new object in a store
 * ({@link dev.faas.api.events.ObjectCreatedEvent}). They live in the API so that a function and its
 * tests need nothing but this module; {@code faas-testing} has fixtures that build them.
 */
package dev.faas.api.events;
