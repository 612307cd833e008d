package dev.faas.core.internal.ledger;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import dev.faas.api.ledger.InvocationRecord;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The journal's record format. A frame is {@code [int length][int crc32c][payload]}; the payload is
 * a format version byte and the {@link InvocationRecord} components in order, strings as UTF-8 with
 * an int length, decimals as scale and unscaled bytes. The checksum covers the payload, so a torn
 * or corrupt frame is recognised and never read as a record.
 */
public final class RecordCodec {

    static final int HEADER_BYTES = 8;
    /** Larger frames are corrupt: no record comes near it. */
    static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private static final byte VERSION = 1;

    private RecordCodec() {}

    /** Appends the frame of {@code record} to {@code out}, growing it if needed; returns the buffer. */
    @SuppressWarnings("JavaInstantGetSecondsGetNano") // the epoch second, then the nanosecond within it
    public static ByteBuffer encode(InvocationRecord record, ByteBuffer out) {
        ByteBuffer buffer = ensure(out, HEADER_BYTES + 512);
        int frameStart = buffer.position();
        buffer.position(frameStart + HEADER_BYTES);
        int payloadStart = buffer.position();
        buffer.put(VERSION);
        buffer = putString(buffer, record.requestId());
        buffer = putString(buffer, record.function());
        buffer = putString(buffer, record.version());
        buffer = ensure(buffer, 64);
        buffer.put(code(record.type()));
        buffer.put(code(record.outcome()));
        buffer.putLong(record.start().getEpochSecond());
        buffer.putInt(record.start().getNano());
        buffer.putLong(record.duration().toNanos());
        buffer.putLong(record.initDuration().map(Duration::toNanos).orElse(-1L));
        buffer.put((byte) (record.coldStart() ? 1 : 0));
        buffer.putInt(record.attempt());
        buffer.putInt(record.memoryMb());
        buffer.putLong(record.billedDurationMs());
        buffer.putLong(record.allocatedBytes());
        buffer.put((byte) (record.errorType().isPresent() ? 1 : 0));
        if (record.errorType().isPresent()) {
            buffer = putString(buffer, record.errorType().get());
        }
        buffer = putDecimal(buffer, record.gbSeconds());
        buffer = putDecimal(buffer, record.cost());
        int payloadEnd = buffer.position();
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), buffer.arrayOffset() + payloadStart, payloadEnd - payloadStart);
        buffer.putInt(frameStart, payloadEnd - payloadStart);
        buffer.putInt(frameStart + 4, (int) crc.getValue());
        return buffer;
    }

    /**
     * Reads the payload of a frame whose header has been checked.
     *
     * @throws IllegalArgumentException if the payload does not decode
     */
    static InvocationRecord decode(ByteBuffer payload) {
        try {
            byte version = payload.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown record format " + version);
            }
            String requestId = getString(payload);
            String function = getString(payload);
            String functionVersion = getString(payload);
            InvocationType type = type(payload.get());
            Outcome outcome = outcome(payload.get());
            Instant start = Instant.ofEpochSecond(payload.getLong(), payload.getInt());
            Duration duration = Duration.ofNanos(payload.getLong());
            long init = payload.getLong();
            boolean coldStart = payload.get() == 1;
            int attempt = payload.getInt();
            int memoryMb = payload.getInt();
            long billed = payload.getLong();
            long allocated = payload.getLong();
            Optional<String> errorType = payload.get() == 1 ? Optional.of(getString(payload)) : Optional.empty();
            BigDecimal gbSeconds = getDecimal(payload);
            BigDecimal cost = getDecimal(payload);
            return new InvocationRecord(
                    requestId,
                    function,
                    functionVersion,
                    type,
                    outcome,
                    start,
                    duration,
                    init < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(init)),
                    coldStart,
                    attempt,
                    memoryMb,
                    billed,
                    allocated,
                    errorType,
                    gbSeconds,
                    cost);
        } catch (RuntimeException e) { // a frame that checks out but holds nonsense (a time out of range, ...)
            throw new IllegalArgumentException("undecodable record", e);
        }
    }

    // The journal's codes for the enums: written down, not the enums' ordinals, so that a value added
    // to an enum (anywhere in it) never changes what a journal already on disk means.

    static byte code(InvocationType type) {
        return switch (type) {
            case REQUEST_RESPONSE -> 0;
            case EVENT -> 1;
            case DRY_RUN -> 2;
        };
    }

    static byte code(Outcome outcome) {
        return switch (outcome) {
            case SUCCESS -> 0;
            case ERROR -> 1;
            case TIMEOUT -> 2;
            case MEMORY_LIMIT -> 3;
            case INIT_ERROR -> 4;
        };
    }

    private static InvocationType type(byte code) {
        return switch (code) {
            case 0 -> InvocationType.REQUEST_RESPONSE;
            case 1 -> InvocationType.EVENT;
            case 2 -> InvocationType.DRY_RUN;
            default -> throw new IllegalArgumentException("unknown invocation type code " + code);
        };
    }

    private static Outcome outcome(byte code) {
        return switch (code) {
            case 0 -> Outcome.SUCCESS;
            case 1 -> Outcome.ERROR;
            case 2 -> Outcome.TIMEOUT;
            case 3 -> Outcome.MEMORY_LIMIT;
            case 4 -> Outcome.INIT_ERROR;
            default -> throw new IllegalArgumentException("unknown outcome code " + code);
        };
    }

    static int checksum(ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }

    private static ByteBuffer putString(ByteBuffer buffer, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ensure(buffer, 4 + bytes.length);
        out.putInt(bytes.length).put(bytes);
        return out;
    }

    private static String getString(ByteBuffer buffer) {
        int length = buffer.getInt();
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("bad string length " + length);
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static ByteBuffer putDecimal(ByteBuffer buffer, BigDecimal value) {
        byte[] unscaled = value.unscaledValue().toByteArray();
        ByteBuffer out = ensure(buffer, 8 + unscaled.length);
        out.putInt(value.scale()).putInt(unscaled.length).put(unscaled);
        return out;
    }

    private static BigDecimal getDecimal(ByteBuffer buffer) {
        int scale = buffer.getInt();
        int length = buffer.getInt();
        if (length <= 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("bad decimal length " + length);
        }
        byte[] unscaled = new byte[length];
        buffer.get(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    private static ByteBuffer ensure(ByteBuffer buffer, int more) {
        if (buffer.remaining() >= more) {
            return buffer;
        }
        ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more));
        buffer.flip();
        larger.put(buffer);
        return larger;
    }
}
