/**
 * Memory limits: per-call allocation metering on carriers the runtime owns, the watchdog of
 * allocation limits and the heap-pressure guard. Sees a call only as a {@link
 * dev.faas.core.internal.memory.RunningCall}.
 */
package dev.faas.core.internal.memory;
