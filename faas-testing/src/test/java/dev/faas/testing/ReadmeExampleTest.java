package dev.faas.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's "Testing your functions" example is {@code example/ThumbnailFunctionTest}, verbatim. */
final class ReadmeExampleTest {

    @Test
    void readmeShowsTheExampleTestVerbatim() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/faas/testing/example/ThumbnailFunctionTest.java"));
        String readme = Files.readString(Path.of("../README.md"));

        int section = readme.indexOf("## Testing your functions");
        assertThat(section).as("the README's testing section").isNotNegative();
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String shown = readme.substring(start, readme.indexOf("```", start));

        assertThat(shown).isEqualTo(source);
    }
}
