/**
 * The invocation engine: the deployed functions and their admission, one {@link
 * dev.faas.core.internal.engine.Invocation} per call with its deadline, the event queues, and what
 * every deployment of a runtime shares ({@link dev.faas.core.internal.engine.Engine}).
 */
package dev.faas.core.internal.engine;
