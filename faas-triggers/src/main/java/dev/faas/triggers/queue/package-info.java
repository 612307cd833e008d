/**
 * Queues as event sources, with SQS's semantics: {@link dev.faas.triggers.queue.MessageQueue}, an
 * in-memory queue with visibility timeouts, receive counts, delays, retention and a dead-letter
 * queue.
 */
package dev.faas.triggers.queue;
