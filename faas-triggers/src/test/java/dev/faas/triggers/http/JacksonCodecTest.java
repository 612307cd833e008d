package dev.faas.triggers.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

final class JacksonCodecTest {

    private final ObjectMapper reader = new ObjectMapper();

    @Test
    void writesAStringOutputThatJacksonReadsBackAsTheSameString() throws IOException {
        // The default codec writes strings itself, without Jackson's buffers: the JSON must be the same value.
        for (String text : List.of(
                "",
                "plain",
                "quote\" and back\\slash",
                "tab\t newline\n return\r",
                "\u0000 \u0001 \u001f \b \f controls",
                "é ☃ 😀 \u2028 \u2029",
                "</script>")) {
            byte[] written = Codec.jackson().write(text);
            assertThat(reader.readValue(written, String.class)).isEqualTo(text);
            assertThat(reader.readTree(written).isTextual()).isTrue();
        }
    }

    @Test
    void writesOtherOutputsThroughJackson() throws IOException {
        record Price(String item, int cents) {}
        assertThat(reader.readTree(Codec.jackson().write(new Price("tea", 250))).toString())
                .isEqualTo("{\"item\":\"tea\",\"cents\":250}");
        assertThat(new String(Codec.jackson().write(42), StandardCharsets.UTF_8))
                .isEqualTo("42");
    }
}
