/**
 * What every other package of the engine uses: bounded text about user throwables, the striped
 * lock word, request ids, a periodic platform thread, the runtime's logger name and argument
 * checks.
 */
package dev.faas.core.internal.util;
