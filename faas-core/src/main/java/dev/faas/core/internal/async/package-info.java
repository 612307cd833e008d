/**
 * What EVENT invocations need besides the engine: the event itself, the dead-letter store and the
 * idempotency keys.
 */
package dev.faas.core.internal.async;
