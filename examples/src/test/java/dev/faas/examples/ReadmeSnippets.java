package dev.faas.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's Java examples and the tests they are copied from, made comparable: a test marks its
 * example with {@code // tag::name[]} and {@code // end::name[]}, and the README shows it as the first
 * Java block after a heading. Comments may be aligned differently, the README's lines being longer.
 */
final class ReadmeSnippets {

    private ReadmeSnippets() {}

    /** The lines between a test's tags, without their common indentation. */
    static String tagged(String testClass, String tag) throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/faas/examples/" + testClass + ".java"));
        String start = "// tag::" + tag + "[]\n";
        String tagged = source.substring(
                source.indexOf(start) + start.length(),
                source.indexOf("// end::" + tag + "[]")); // up to the tag's indentation, which stripIndent removes
        return comparable(tagged.stripIndent());
    }

    /** The README's first Java block after {@code heading}. */
    static String shownAfter(String heading) throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String shown = readme.substring(readme.indexOf("```java\n", readme.indexOf(heading)) + "```java\n".length());
        return comparable(shown.substring(0, shown.indexOf("```")));
    }

    private static String comparable(String code) {
        return code.replaceAll(" +//", " //");
    }
}
