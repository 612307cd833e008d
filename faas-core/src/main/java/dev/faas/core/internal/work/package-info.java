/**
 * The tracking of every thread the runtime runs ({@link dev.faas.core.internal.work.WorkTracker}):
 * quiescence, the drain on close, and the runtime's own tasks on threads of their own.
 */
package dev.faas.core.internal.work;
