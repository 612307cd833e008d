package dev.faas.triggers.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class Utf8Test {

    @Test
    void countsAsTheEncoderEncodes() {
        List<String> texts = new ArrayList<>(List.of("", "plain", "é", "€uro", "😀", "a\uD83Dz", "\uDE00", "\uD83D"));
        Random random = new Random(19);
        for (int i = 0; i < 2_000; i++) {
            char[] chars = new char[random.nextInt(8)];
            for (int c = 0; c < chars.length; c++) {
                chars[c] = (char) random.nextInt(Character.MAX_VALUE + 1);
            }
            texts.add(new String(chars));
        }

        assertThat(texts)
                .allSatisfy(text -> assertThat(Utf8.length(text))
                        .as("%s", text.chars().mapToObj(Integer::toHexString).toList())
                        .isEqualTo(text.getBytes(UTF_8).length));
    }
}
