/** What the triggers share and do not export. */
package dev.faas.triggers.internal;
