package dev.faas.core.internal.ledger;

import dev.faas.api.ledger.InvocationRecord;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * CSV (RFC 4180) and JSON-lines exports of ledger records. The columns are the
 * {@link InvocationRecord} component names in order; instants are ISO-8601, durations are
 * milliseconds with up to six decimals, an absent value is an empty CSV field and a JSON null.
 */
public final class LedgerExport {

    private static final RecordComponent[] COLUMNS = InvocationRecord.class.getRecordComponents();

    private LedgerExport() {}

    public static void csv(List<InvocationRecord> records, Appendable out) throws IOException {
        for (int i = 0; i < COLUMNS.length; i++) {
            out.append(i == 0 ? "" : ",").append(COLUMNS[i].getName());
        }
        out.append("\r\n");
        for (InvocationRecord record : records) {
            for (int i = 0; i < COLUMNS.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                Object value = valueOf(record, COLUMNS[i]);
                if (value != null) {
                    csvField(out, text(value));
                }
            }
            out.append("\r\n");
        }
    }

    public static void jsonLines(List<InvocationRecord> records, Appendable out) throws IOException {
        for (InvocationRecord record : records) {
            out.append('{');
            for (int i = 0; i < COLUMNS.length; i++) {
                out.append(i == 0 ? "\"" : ",\"").append(COLUMNS[i].getName()).append("\":");
                Object value = valueOf(record, COLUMNS[i]);
                if (value == null) {
                    out.append("null");
                } else if (value instanceof Number || value instanceof Boolean || value instanceof Duration) {
                    out.append(text(value));
                } else {
                    jsonString(out, text(value));
                }
            }
            out.append("}\n");
        }
    }

    /** The component's value, with an empty Optional as null and a present one unwrapped. */
    private static Object valueOf(InvocationRecord record, RecordComponent column) {
        Object value;
        try {
            value = column.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + column.getName(), e);
        }
        return value instanceof Optional<?> optional ? optional.orElse(null) : value;
    }

    private static String text(Object value) {
        return switch (value) {
            case Duration duration -> millis(duration);
            case BigDecimal decimal -> decimal.toPlainString();
            case Instant instant -> instant.toString();
            default -> value.toString();
        };
    }

    /** Milliseconds with up to six decimals: exact to the nanosecond. */
    static String millis(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 6).stripTrailingZeros().toPlainString();
    }

    private static void csvField(Appendable out, String value) throws IOException {
        boolean quote = value.indexOf(',') >= 0
                || value.indexOf('"') >= 0
                || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
        if (!quote) {
            out.append(value);
            return;
        }
        out.append('"').append(value.replace("\"", "\"\"")).append('"');
    }

    private static void jsonString(Appendable out, String value) throws IOException {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
