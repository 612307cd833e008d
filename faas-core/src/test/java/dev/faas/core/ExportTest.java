package dev.faas.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationType;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.core.internal.ledger.LedgerExport;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

final class ExportTest {

    private static final String HEADER = "requestId,function,version,type,outcome,start,duration,initDuration,"
            + "coldStart,attempt,memoryMb,billedDurationMs,allocatedBytes,errorType,gbSeconds,cost";

    @RegisterExtension
    final RuntimeFixture fixture = new RuntimeFixture();

    private final ManualClock clock = new ManualClock(Instant.parse("2026-05-01T12:00:00Z"));

    @Test
    void exportsCsvThatReadsBack() throws IOException {
        List<InvocationRecord> records = someRecords();
        StringBuilder csv = new StringBuilder();

        fixture.lastRuntime().ledger().exportCsv(csv);

        assertThat(csv.toString()).startsWith(HEADER + "\r\n").endsWith("\r\n");
        List<List<String>> rows = parseCsv(csv.toString());
        assertThat(rows).hasSize(records.size() + 1);
        for (int i = 0; i < records.size(); i++) {
            InvocationRecord record = records.get(i);
            List<String> row = rows.get(i + 1);
            assertThat(row)
                    .containsExactly(
                            record.requestId(),
                            record.function(),
                            "$LATEST",
                            record.type().name(),
                            record.outcome().name(),
                            record.start().toString(),
                            millis(record.duration()),
                            record.initDuration().map(ExportTest::millis).orElse(""),
                            String.valueOf(record.coldStart()),
                            String.valueOf(record.attempt()),
                            String.valueOf(record.memoryMb()),
                            String.valueOf(record.billedDurationMs()),
                            String.valueOf(record.allocatedBytes()),
                            record.errorType().orElse(""),
                            record.gbSeconds().toPlainString(),
                            record.cost().toPlainString());
        }
    }

    @Test
    void exportsJsonLinesThatReadBack() throws IOException {
        List<InvocationRecord> records = someRecords();
        StringBuilder json = new StringBuilder();

        fixture.lastRuntime().ledger().exportJsonLines(json);

        String[] lines = json.toString().split("\n");
        assertThat(lines).hasSize(records.size());
        ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < records.size(); i++) {
            InvocationRecord record = records.get(i);
            JsonNode line = mapper.readTree(lines[i]);
            List<String> keys = new ArrayList<>();
            line.fieldNames().forEachRemaining(keys::add);
            assertThat(String.join(",", keys)).isEqualTo(HEADER);
            assertThat(line.get("requestId").asText()).isEqualTo(record.requestId());
            assertThat(line.get("start").asText()).isEqualTo(record.start().toString());
            assertThat(line.get("duration").decimalValue()).isEqualByComparingTo(millis(record.duration()));
            assertThat(line.get("initDuration").isNull())
                    .isEqualTo(record.initDuration().isEmpty());
            assertThat(line.get("coldStart").asBoolean()).isEqualTo(record.coldStart());
            assertThat(line.get("errorType").isNull())
                    .isEqualTo(record.errorType().isEmpty());
            assertThat(line.get("cost").decimalValue()).isEqualByComparingTo(record.cost());
        }
    }

    @Test
    void quotesWhatCsvMustQuoteAndEscapesWhatJsonMustEscape() throws IOException {
        InvocationRecord odd = new InvocationRecord(
                "id",
                "f",
                "$LATEST",
                InvocationType.EVENT,
                Outcome.ERROR,
                Instant.EPOCH,
                Duration.ofNanos(1_234_567),
                Optional.empty(),
                false,
                2,
                128,
                2,
                -1,
                Optional.of("a,\"quoted\"\nname\t"),
                new BigDecimal("0.00025"),
                new BigDecimal("0.0000002041"));
        StringBuilder csv = new StringBuilder();
        StringBuilder json = new StringBuilder();

        LedgerExport.csv(List.of(odd), csv);
        LedgerExport.jsonLines(List.of(odd), json);

        assertThat(csv.toString()).contains(",1.234567,,false,2,128,2,-1,\"a,\"\"quoted\"\"\nname\t\",0.00025,");
        assertThat(parseCsv(csv.toString()).get(1).get(13)).isEqualTo("a,\"quoted\"\nname\t");
        assertThat(new ObjectMapper().readTree(json.toString()).get("errorType").asText())
                .isEqualTo("a,\"quoted\"\nname\t");
    }

    private List<InvocationRecord> someRecords() {
        FaasRuntime runtime = fixture.start(b -> b.clock(clock));
        FunctionRef<Integer, Integer> half =
                runtime.deploy(FunctionSpec.of("half", Integer.class, Integer.class, () -> (input, context) -> {
                    if (input % 2 != 0) {
                        throw new IllegalArgumentException("odd");
                    }
                    return input / 2;
                }));
        for (int i = 0; i < 6; i++) {
            half.invokeForReport(i);
            clock.advance(Duration.ofMillis(1234).plusNanos(567));
        }
        return runtime.ledger().entries();
    }

    private static String millis(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 6).stripTrailingZeros().toPlainString();
    }

    /** A small RFC 4180 reader: quoted fields, doubled quotes inside them, CRLF record ends. */
    private static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c != '"') {
                    field.append(c);
                } else if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        return rows;
    }
}
