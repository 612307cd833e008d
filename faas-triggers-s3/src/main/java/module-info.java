/**
 * An S3-compatible object store for the object trigger, on the AWS SDK v2 S3 client. A module of
 * its own, so that hosts without S3 do not carry the SDK.
 */
module dev.faas.triggers.s3 {
    requires transitive dev.faas.triggers;
    requires org.slf4j;
    // The SDK's jars have no module descriptors: required as the automatic modules their manifests name.
    requires transitive software.amazon.awssdk.services.s3; // S3Store.of takes an S3Client
    requires software.amazon.awssdk.core;

    exports dev.faas.triggers.s3;
}
