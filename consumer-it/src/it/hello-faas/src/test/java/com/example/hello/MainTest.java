package com.example.hello;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void quickStartPrintsItsThreeLines() {
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Main.main(new String[0]);
        } finally {
            System.setOut(original);
        }

        assertThat(printed.toString(StandardCharsets.UTF_8).lines().toList())
                .hasSize(3)
                .first().isEqualTo("Hello, world!");
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("false, billed ").contains("Hello, async!");
    }
}
