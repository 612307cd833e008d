package dev.faas.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Using faas in your project" shows what consumer-it's hello-faas project is made of
 * (that project is built and tested by consumer-it on every build): its pom's dependencies and
 * plugins as they are, its quick start's imports, and the quick start itself.
 */
final class ReadmeConsumerTest {

    private static final Path PROJECT = Path.of("../consumer-it/src/it/hello-faas");

    private final String readme = section(Files.readString(Path.of("../README.md")), "## Using faas in your project");

    ReadmeConsumerTest() throws IOException {}

    @Test
    void showsTheConsumersPomAsItIs() throws IOException {
        String pom = Files.readString(PROJECT.resolve("pom.xml"));
        List<String> shown = codeBlocks(readme, "xml");

        String properties = tagged(pom, "properties").replace("@project.version@", projectVersion());

        assertThat(shown).containsExactly(properties, tagged(pom, "dependencies"), tagged(pom, "plugins"));
    }

    @Test
    void showsTheQuickStartsImports() throws IOException {
        String main = Files.readString(PROJECT.resolve("src/main/java/com/example/hello/Main.java"));
        List<String> imports = codeBlocks(readme, "java").getFirst().lines().toList();

        assertThat(main.lines().filter(line -> line.startsWith("import ")).toList())
                .containsExactlyElementsOf(imports);
    }

    @Test
    void runsTheReadmesQuickStart() throws IOException {
        String main = Files.readString(PROJECT.resolve("src/main/java/com/example/hello/Main.java"));
        String all = Files.readString(Path.of("../README.md"));
        String quickStart = codeBlocks(section(all, "## Quick start"), "java").getFirst();

        String body = main.substring(main.indexOf("        try ("), main.indexOf("\n    }\n}"))
                .stripIndent();
        assertThat(body.strip()).isEqualTo(quickStart.strip());
    }

    /** This build's version, which the invoker puts in place of {@code @project.version@}. */
    private static String projectVersion() throws IOException {
        Matcher version = Pattern.compile("<version>([^<]+)</version>").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(version.find()).isTrue();
        return version.group(1);
    }

    private static String section(String readme, String heading) {
        String from = readme.substring(readme.indexOf(heading));
        int next = from.indexOf("\n## ", heading.length());
        return next < 0 ? from : from.substring(0, next);
    }

    private static List<String> codeBlocks(String text, String language) {
        List<String> blocks = new ArrayList<>();
        String open = "```" + language + "\n";
        for (int at = text.indexOf(open); at >= 0; at = text.indexOf(open, at)) {
            int start = at + open.length();
            int end = text.indexOf("```", start);
            blocks.add(text.substring(start, end));
            at = end + 3;
        }
        return blocks;
    }

    private static String tagged(String xml, String tag) {
        String open = "<!-- tag::" + tag + "[] -->\n";
        int start = xml.indexOf(open) + open.length();
        int end = xml.indexOf("<!-- end::" + tag + "[] -->");
        // Without its last line break: a blank last line would count as no indentation at all.
        return xml.substring(start, xml.lastIndexOf('\n', end)).stripIndent() + "\n";
    }
}
