/**
 * Object stores as event sources, as S3 notifications are: {@link dev.faas.triggers.objects.ObjectTrigger}
 * delivers an {@link dev.faas.api.events.ObjectCreatedEvent} for each new object (and, when asked,
 * an {@link dev.faas.api.events.ObjectRemovedEvent} for each removed one) of an
 * {@link dev.faas.triggers.objects.ObjectStore}; {@link dev.faas.triggers.objects.DirectoryStore}
 * is a directory as a store.
 */
package dev.faas.triggers.objects;
