package dev.faas.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.faas.api.FunctionSpec;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.objects.DirectoryStore;
import dev.faas.triggers.objects.ObjectTrigger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's object-store example, the seed's thumbnails: run here on images made with ImageIO. */
final class ObjectsReadmeTest {

    @TempDir
    Path root;

    @Test
    void eachUploadGetsAThumbnailOfAtMost128PixelsItsAspectKept() throws Exception {
        try (FaasRuntime runtime = FaasRuntime.builder().reportLog(false).build()) {
            // tag::objects[]
            DirectoryStore images = DirectoryStore.open(root); // a directory as a bucket
            runtime.deploy(FunctionSpec.of(
                    "thumbnail",
                    ObjectCreatedEvent.class,
                    String.class,
                    () -> (upload, context) -> Thumbnails.write(images, upload.key(), 128)));
            runtime.addTrigger(ObjectTrigger.builder(images, "thumbnail")
                    .prefix("uploads/") // it writes to thumbnails/, outside: it cannot trigger itself
                    .build());
            // end::objects[]

            images.put("uploads/wide.png", Thumbnails.gradient(640, 480, "png"));
            byte[] tall = Thumbnails.gradient(300, 900, "jpeg");
            Files.write(root.resolve("uploads/tall.jpg"), tall); // written by hand: it goes once still for 1 s

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> images.stat("thumbnails/wide.png").isPresent()
                            && images.stat("thumbnails/tall.jpg").isPresent());
            assertThat(Thumbnails.size(images.read("thumbnails/wide.png"))).isEqualTo("128x96");
            assertThat(Thumbnails.size(images.read("thumbnails/tall.jpg"))).isEqualTo("43x128");
            await("both calls in the ledger, recorded as each returns")
                    .until(() -> runtime.ledger().usage("thumbnail").requests() == 2);
        }
    }

    @Test
    void aFileThatIsNoImageFailsWithAMessageSayingSo() throws Exception {
        DirectoryStore images = DirectoryStore.open(root);
        images.put("uploads/notes.txt", "not an image".getBytes(UTF_8));

        assertThatThrownBy(() -> Thumbnails.write(images, "uploads/notes.txt", 128))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'uploads/notes.txt' is not an image ImageIO can read");
    }

    @Test
    void readmeShowsTheExampleVerbatim() throws IOException {
        assertThat(ReadmeSnippets.shownAfter("## Object stores"))
                .as("the README's object-store example")
                .isEqualTo(ReadmeSnippets.tagged("ObjectsReadmeTest", "objects"));
    }
}
