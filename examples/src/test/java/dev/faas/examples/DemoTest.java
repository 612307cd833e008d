package dev.faas.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Keeps the examples application (the project's main job) from rotting: a small run of it. */
final class DemoTest {

    @Test
    void runsAndPrintsASummaryPerFunction() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Demo.run(60, 20, new PrintStream(bytes, true, StandardCharsets.UTF_8), -1);

        String output = bytes.toString(StandardCharsets.UTF_8);
        assertThat(output)
                .contains("Deployed 3 functions; driving 60 calls")
                .containsPattern("thumbnail +20 +20 ")
                .containsPattern("price-lookup +20 +20 ")
                .containsPattern("payment +20 ")
                .contains("faster than one call after another")
                .contains("A week of schedules on a manual clock, from 2027-01-03T01:30:00Z")
                .contains("2027-01-04T01:00:00Z  orders in the 24 h before: 23 calls")
                .containsPattern("2027-01-10T01:00:00Z  orders in the 24 h before: 24 calls, 0\\.[0-9]{8} USD")
                .containsPattern("Orders through a queue: intake sent 40 to queue 'orders'; fulfil took them in [0-9]+"
                        + " batches, order-13 failed once and came back alone after its 2 s visibility timeout; all 40"
                        + " fulfilled")
                .contains("  uploads/sunset.png 640x480 -> thumbnails/sunset.png 128x96")
                .contains("  uploads/tower.jpg 300x900 -> thumbnails/tower.jpg 43x128")
                .containsPattern("both made in [0-9]+ ms; while it serves, drop a JPEG or PNG into .*uploads")
                .containsPattern("as curl -i http://127\\.0\\.0\\.1:[0-9]+/prices/espresso would call it")
                .contains("the server stops with this run")
                .doesNotContain("try it")
                .containsPattern("thumbnail( +[0-9]+){6}( +[0-9]+\\.[0-9]{2}){3}\n")
                .containsPattern("GET /prices/espresso -> 200, X-Faas-Request-Id: [0-9a-f-]{36}")
                .contains("\"espresso: 9.99 EUR\"");
    }
}
