/**
 * Testing functions. Annotate a test class with {@link dev.faas.testing.FaasTest}: each test gets a
 * fresh {@link dev.faas.core.FaasRuntime} on a {@link dev.faas.api.ManualClock} (injected into fields
 * or parameters, with a {@link dev.faas.testing.FaasRecorder} of every invocation), closed after the
 * test, which fails if the runtime was left with orphaned threads or dead letters.
 * {@link dev.faas.testing.FaasAssertions} checks what ran ({@code assertThat(runtime).function("resize")
 * .invocations().hasSize(3).allSucceeded()}), and {@link dev.faas.testing.Events} builds the payloads
 * triggers deliver, so that a handler can be tested without its trigger.
 */
package dev.faas.testing;
