package dev.faas.triggers.s3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.robothy.s3.rest.LocalS3;
import com.robothy.s3.rest.bootstrap.LocalS3Mode;
import dev.faas.api.FunctionSpec;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.objects.InvalidKeyException;
import dev.faas.triggers.objects.ObjectInfo;
import dev.faas.triggers.objects.ObjectTrigger;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 store against an S3 server in this JVM (LocalS3, in memory). */
final class S3StoreTest {

    private static LocalS3 server;
    private static S3Client s3;
    private static int buckets;

    private S3Store store;

    @BeforeAll
    static void startServer() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        server = LocalS3.builder().port(port).mode(LocalS3Mode.IN_MEMORY).build();
        server.start();
        s3 = S3Client.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                // LocalS3 checks no trailing checksums: sent and checked only where S3 requires them
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.shutdown();
    }

    @BeforeEach
    void newBucket() {
        String bucket = "photos-" + ++buckets;
        s3.createBucket(request -> request.bucket(bucket));
        store = S3Store.of(s3, bucket);
    }

    private static String md5(String content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content.getBytes(UTF_8)));
    }

    @Test
    void putListStatReadAndDeleteAsTheSpiSays() throws Exception {
        ObjectInfo cat = store.put("2026/cat.jpg", "meow".getBytes(UTF_8));
        store.put("2026/dog.jpg", "woof".getBytes(UTF_8));
        store.put("2025/owl.jpg", "hoot".getBytes(UTF_8));

        assertThat(cat.etag()).isEqualTo(md5("meow"));
        assertThat(cat.size()).isEqualTo(4);
        assertThat(store.stat("2026/cat.jpg")).contains(cat);
        assertThat(store.stat("2026/cow.jpg")).isEmpty();
        assertThat(store.read("2026/cat.jpg")).asString(UTF_8).isEqualTo("meow");
        assertThat(store.list(""))
                .extracting(ObjectInfo::key)
                .containsExactly("2025/owl.jpg", "2026/cat.jpg", "2026/dog.jpg");
        assertThat(store.list("2026/d")).extracting(ObjectInfo::key).containsExactly("2026/dog.jpg");
        assertThat(store.delete("2026/dog.jpg")).isTrue();
        assertThat(store.delete("2026/dog.jpg")).isFalse();
        assertThatThrownBy(() -> store.read("2026/dog.jpg")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aListingOfMoreThanAPageGivesEveryKey() throws Exception {
        for (int i = 0; i < 1_100; i++) { // S3 gives 1,000 keys a page
            String key = String.format("many/%04d", i);
            s3.putObject(request -> request.bucket(store.name()).key(key), RequestBody.fromBytes(new byte[] {1}));
        }

        assertThat(store.list("many/"))
                .hasSize(1_100)
                .extracting(ObjectInfo::key)
                .doesNotHaveDuplicates();
    }

    @Test
    void keysFaasRefusesAreRefusedAndThoseOthersWroteAreLeftOut() throws Exception {
        s3.putObject(
                request -> request.bucket(store.name()).key("a/../b"), RequestBody.fromString("written by another"));
        store.put("fine", new byte[1]);

        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactly("fine");
        assertThatThrownBy(() -> store.put("../escape", new byte[1])).isInstanceOf(InvalidKeyException.class);
        assertThatThrownBy(() -> store.read("/absolute")).isInstanceOf(InvalidKeyException.class);
    }

    @Test
    void aClientFailureIsAnIoExceptionNamingTheBucket() {
        S3Store missing = S3Store.of(s3, "no-such-bucket");

        assertThatThrownBy(() -> missing.list(""))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("S3 store 'no-such-bucket' could not list ''");
    }

    @Test
    void anObjectTriggerPollsTheBucketAndDeliversEachNewVersionOnce() throws Exception {
        Queue<ObjectCreatedEvent> handed = new ConcurrentLinkedQueue<>();
        try (FaasRuntime runtime = FaasRuntime.builder().reportLog(false).build()) {
            runtime.deploy(FunctionSpec.of("thumbs", ObjectCreatedEvent.class, String.class, () -> (event, context) -> {
                handed.add(event);
                return "ok";
            }));
            store.put("uploads/before.jpg", "there at start".getBytes(UTF_8));
            runtime.addTrigger(ObjectTrigger.builder(store, "thumbs")
                    .prefix("uploads/")
                    .settle(Duration.ZERO) // S3 shows an object whole
                    .reconcileInterval(Duration.ofSeconds(1)) // how often it polls
                    .build());
            await().atMost(Duration.ofSeconds(10)).until(() -> handed.size() == 1);

            store.put("uploads/after.jpg", "added".getBytes(UTF_8));
            store.put("elsewhere/skip.jpg", "not under the prefix".getBytes(UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> handed.size() == 2);
            store.put("uploads/before.jpg", "changed".getBytes(UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> handed.size() == 3);
        }

        assertThat(handed)
                .extracting(ObjectCreatedEvent::key)
                .containsExactly("uploads/before.jpg", "uploads/after.jpg", "uploads/before.jpg");
        assertThat(handed).extracting(ObjectCreatedEvent::bucket).containsOnly(store.name());
        assertThat(handed).last().extracting(ObjectCreatedEvent::etag).isEqualTo(md5("changed"));
    }
}
