/** An S3-compatible {@link dev.faas.triggers.objects.ObjectStore}: {@link dev.faas.triggers.s3.S3Store}. */
package dev.faas.triggers.s3;
