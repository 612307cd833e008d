package dev.faas.triggers.s3;

import dev.faas.triggers.objects.ObjectInfo;
import dev.faas.triggers.objects.ObjectKeys;
import dev.faas.triggers.objects.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A bucket of S3, or of any server that speaks its API, as an {@link ObjectStore}, on a client the
 * host builds (its credentials, region, endpoint and HTTP client are the host's). S3 pushes nothing
 * without SNS or SQS, so this store does not watch: an {@code ObjectTrigger} on it finds objects by
 * its scans, ListObjectsV2 by prefix, page by page, and its {@code reconcileInterval} is how often
 * it polls (a few seconds suits S3; each poll is one request per 1,000 keys). Keys S3 holds but
 * {@link ObjectKeys} refuses (a {@code ..} segment, say) are left out, with one WARN each. The
 * etag is S3's (the MD5 for an object put in one part, another hash for a multipart upload).
 * Failures of the client are {@link IOException}s.
 */
public final class S3Store implements ObjectStore {

    private static final Logger log = LoggerFactory.getLogger(S3Store.class);

    private final S3Client s3;
    private final String bucket;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    private S3Store(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /**
     * A store on a bucket, which must exist.
     *
     * @param s3 the client, which the host closes
     * @param bucket the bucket's name
     * @return the store
     */
    public static S3Store of(S3Client s3, String bucket) {
        Objects.requireNonNull(s3, "s3");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("an S3 store's bucket must not be blank");
        }
        return new S3Store(s3, bucket);
    }

    @Override
    public String name() {
        return bucket;
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        ObjectKeys.checkPrefix(prefix);
        List<ObjectInfo> found = new ArrayList<>();
        ListObjectsV2Request.Builder request =
                ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
        try {
            ListObjectsV2Response page;
            do {
                page = s3.listObjectsV2(request.build());
                for (S3Object object : page.contents()) {
                    if (ObjectKeys.isValid(object.key())) {
                        found.add(new ObjectInfo(
                                object.key(), object.size(), unquoted(object.eTag()), object.lastModified()));
                    } else if (warned.add(object.key())) {
                        log.warn(
                                "faas: S3 store '{}' holds '{}', which is not a key faas takes; it is left out",
                                bucket,
                                object.key());
                    }
                }
                request.continuationToken(page.nextContinuationToken());
            } while (Boolean.TRUE.equals(page.isTruncated()));
        } catch (SdkException failure) {
            throw failed("list '" + prefix + "'", failure);
        }
        return found;
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        ObjectKeys.check(key);
        try {
            HeadObjectResponse head =
                    s3.headObject(request -> request.bucket(bucket).key(key));
            return Optional.of(new ObjectInfo(key, head.contentLength(), unquoted(head.eTag()), head.lastModified()));
        } catch (NoSuchKeyException absent) {
            return Optional.empty();
        } catch (S3Exception failure) {
            if (failure.statusCode() == 404) { // a HEAD has no body to name the error by
                return Optional.empty();
            }
            throw failed("look at '" + key + "'", failure);
        } catch (SdkException failure) {
            throw failed("look at '" + key + "'", failure);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        ObjectKeys.check(key);
        try {
            return s3.getObject(request -> request.bucket(bucket).key(key));
        } catch (NoSuchKeyException absent) {
            throw new NoSuchFileException(key, null, "no such object in S3 bucket '" + bucket + "'");
        } catch (SdkException failure) {
            throw failed("read '" + key + "'", failure);
        }
    }

    /** Puts the object in one request: S3 makes it visible whole. */
    @Override
    public ObjectInfo put(String key, byte[] content) throws IOException {
        ObjectKeys.check(key);
        Objects.requireNonNull(content, "content");
        try {
            s3.putObject(request -> request.bucket(bucket).key(key), RequestBody.fromBytes(content));
        } catch (SdkException failure) {
            throw failed("write '" + key + "'", failure);
        }
        return stat(key)
                .orElseThrow(() -> new IOException("S3 bucket '" + bucket + "' took '" + key
                        + "' but does not show it: another writer removed it"));
    }

    /** Removes the object, after a HEAD to say whether there was one (S3's DELETE does not). */
    @Override
    public boolean delete(String key) throws IOException {
        if (stat(key).isEmpty()) {
            return false;
        }
        try {
            s3.deleteObject(request -> request.bucket(bucket).key(key));
            return true;
        } catch (SdkException failure) {
            throw failed("remove '" + key + "'", failure);
        }
    }

    private IOException failed(String what, SdkException failure) {
        return new IOException("S3 store '" + bucket + "' could not " + what + ": " + failure.getMessage(), failure);
    }

    /** S3 sends an etag in quotes, as HTTP does. */
    private static String unquoted(String etag) {
        return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1)
                : Objects.requireNonNullElse(etag, "");
    }

    @Override
    public String toString() {
        return "S3 store '" + bucket + "'";
    }
}
