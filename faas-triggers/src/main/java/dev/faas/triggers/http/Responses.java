package dev.faas.triggers.http;

import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.InvocationReport;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.ThrottledException;
import dev.faas.api.events.HttpResponseEvent;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.http.media.ReadableEntity;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a trigger answers: an invocation's outcome mapped to its status, refusals in the error
 * shape, and the writing of both, with the request id on every response.
 */
final class Responses {

    static final HeaderName REQUEST_ID = HeaderNames.create(HttpTrigger.REQUEST_ID_HEADER);
    static final Header JSON = HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json");
    static final byte[] NO_BODY = new byte[0];
    private static final Logger log = LoggerFactory.getLogger(HttpTrigger.class);

    private final String triggerName;
    private final Codec codec;
    private final Header codecContentType;

    /** @param codec whose content type the trigger's builder checked */
    Responses(String triggerName, Codec codec) {
        this.triggerName = triggerName;
        this.codec = codec;
        String contentType = codec.contentType();
        this.codecContentType = contentType.equals("application/json")
                ? JSON
                : HeaderValues.create(HeaderNames.CONTENT_TYPE, contentType);
    }

    /** Answers what kept a call from running (throttle, bad payload, ...), or a failure of the trigger. */
    void refuse(ServerRequest request, ServerResponse response, String requestId, Throwable refused) {
        Refusal refusal = switch (refused) {
            case Refusal ours -> ours;
            case ThrottledException throttled ->
                new Refusal(
                        429, "Throttled", throttled.getMessage(), Map.of("Retry-After", retryAfterSeconds(throttled)));
            case PayloadTypeException wrongType ->
                new Refusal(400, "BadRequest", ClientText.of(wrongType.getMessage()));
            case FunctionNotFoundException gone -> new Refusal(404, "FunctionNotFound", gone.getMessage());
            case RuntimeClosedException closed -> new Refusal(503, "ServiceUnavailable", closed.getMessage());
            default -> null;
        };
        if (refusal == null) {
            unexpected(request, response, requestId, refused);
        } else {
            sendError(
                    request,
                    response,
                    refusal.status,
                    refusal.errorType,
                    refusal.getMessage(),
                    requestId,
                    refusal.headers);
        }
    }

    /** Whole seconds, rounded up, at least 1: Retry-After takes no fractions. */
    private static String retryAfterSeconds(ThrottledException throttled) {
        return Long.toString(Math.max(1, (throttled.retryAfter().toMillis() + 999) / 1000));
    }

    /** The status, with a reason phrase where Helidon knows none (it would write the code twice). */
    static Status status(int code) {
        if (code == 200) {
            return Status.OK_200;
        }
        Status known = Status.create(code);
        if (!known.reasonPhrase().isEmpty() && !known.reasonPhrase().equals(known.codeText())) {
            return known;
        }
        return Status.create(
                code,
                switch (code) {
                    case 421 -> "Misdirected Request";
                    case 425 -> "Too Early";
                    case 431 -> "Request Header Fields Too Large";
                    case 451 -> "Unavailable For Legal Reasons";
                    default ->
                        code < 300 ? "OK" : code < 400 ? "Redirect" : code < 500 ? "Client Error" : "Server Error";
                });
    }

    /** Answers a failure of the trigger itself with a 500, logged; a client gone away only at debug. */
    void unexpected(ServerRequest request, ServerResponse response, String requestId, Throwable unexpected) {
        if (isClientGone(unexpected)) {
            log.debug(
                    "faas: request {} on '{}': the client went away: {}",
                    requestId,
                    triggerName,
                    unexpected.toString());
            return;
        }
        log.warn("faas: request {} on '{}' failed inside the trigger", requestId, triggerName, unexpected);
        sendError(
                request,
                response,
                500,
                "InternalError",
                "the trigger failed; its log holds the error",
                requestId,
                Map.of());
    }

    static boolean isClientGone(Throwable failure) {
        return failure instanceof UncheckedIOException || failure instanceof ServerConnectionException;
    }

    /** Maps an invocation's outcome to the response. */
    void respond(ServerRequest request, ServerResponse response, InvocationReport report) {
        String id = report.requestId();
        String function = report.function();
        switch (report.outcome()) {
            case SUCCESS -> {
                Object output = report.output().orElse(null);
                if (output == null) {
                    send(request, response, 204, id, null, NO_BODY);
                } else if (output instanceof HttpResponseEvent raw) {
                    sendRaw(request, response, raw, id, function);
                } else {
                    byte[] written;
                    try {
                        written = codec.write(output);
                    } catch (RuntimeException | Error unwritable) {
                        unexpected(request, response, id, unwritable);
                        return;
                    }
                    send(request, response, 200, id, codecContentType, written);
                }
            }
            case TIMEOUT ->
                sendError(
                        request,
                        response,
                        504,
                        "FunctionTimeout",
                        report.error().map(Throwable::getMessage).orElse("function '" + function + "' timed out"),
                        id,
                        Map.of());
            case MEMORY_LIMIT ->
                sendError(
                        request,
                        response,
                        502,
                        "MemoryLimitExceeded",
                        "function '" + function + "' was stopped for memory; its log and report hold the details",
                        id,
                        Map.of());
            case INIT_ERROR ->
                sendError(
                        request,
                        response,
                        502,
                        "FunctionInitError",
                        "function '" + function + "' could not initialize; its log and report hold the error",
                        id,
                        Map.of());
            case ERROR -> {
                if (report.error().orElse(null) instanceof RuntimeClosedException closed) { // stopped by close
                    sendError(request, response, 503, "ServiceUnavailable", closed.getMessage(), id, Map.of());
                } else {
                    sendError(
                            request,
                            response,
                            502,
                            "FunctionError",
                            "function '" + function + "' failed; its" + " log and report hold the error",
                            id,
                            Map.of());
                }
            }
        }
    }

    /**
     * Sends a raw function's response, once its status and headers are checked: a status outside
     * 200-599 (a 1xx is no final response) or a header that would break the response's framing is
     * the function's mistake, answered 500 with one WARN line.
     */
    private void sendRaw(
            ServerRequest request, ServerResponse response, HttpResponseEvent raw, String requestId, String function) {
        String wrong = RawResponses.check(raw);
        if (wrong != null) {
            log.warn(
                    "faas: function '{}' (request {}) returned a response the trigger cannot send: {}",
                    function,
                    requestId,
                    wrong);
            sendError(
                    request,
                    response,
                    500,
                    "InvalidFunctionResponse",
                    "function '" + function + "' returned a" + " response the trigger cannot send; its log says why",
                    requestId,
                    Map.of());
            return;
        }
        raw.headers().forEach((name, values) -> {
            if (!RawResponses.isFraming(name)) {
                response.header(HeaderValues.create(HeaderNames.create(name), values));
            }
        });
        byte[] body = raw.body();
        send(request, response, raw.status(), requestId, null, body, body.length == 0 ? announcedLength(raw) : -1);
    }

    /** The length a raw answer to HEAD gives for the GET it stands for, or -1 for none. */
    private static long announcedLength(HttpResponseEvent raw) {
        List<String> lengths = raw.headers().get("content-length");
        if (lengths == null || lengths.size() != 1) {
            return -1;
        }
        try {
            return Math.max(-1, Long.parseLong(lengths.getFirst().trim()));
        } catch (NumberFormatException notALength) {
            return -1;
        }
    }

    /**
     * Writes the response. A request whose body was not read to its end (refused before it was, or
     * past a limit) is answered with {@code Connection: close}, so the server does not read the rest.
     */
    void send(
            ServerRequest request,
            ServerResponse response,
            int status,
            String requestId,
            Header contentType,
            byte[] body) {
        send(request, response, status, requestId, contentType, body, -1);
    }

    /** @param headLength the length a HEAD answer announces when its body is not at hand; -1 for the body's */
    private void send(
            ServerRequest request,
            ServerResponse response,
            int status,
            String requestId,
            Header contentType,
            byte[] body,
            long headLength) {
        try {
            response.status(status(status));
            response.header(REQUEST_ID, requestId);
            if (contentType != null) {
                response.header(contentType);
            }
            ReadableEntity content = request.content();
            boolean chunked = request.headers().contains(HeaderNames.TRANSFER_ENCODING);
            if (content.hasEntity() && (!content.consumed() || chunked)) {
                // Unread, the rest of the body would be taken for the next request. Read, a chunked
                // body still ends the connection: Helidon does not check the CRLF after each chunk's
                // data, so bytes a client hid there could be read as a request of their own.
                response.header(HeaderValues.CONNECTION_CLOSE);
            }
            if (status == 204 || status == 205 || status == 304) {
                response.send();
            } else if (request.prologue().method().text().equals("HEAD")) {
                // Helidon would send a HEAD response's body: the length GET would send, and no body.
                response.header(
                        HeaderValues.create(HeaderNames.CONTENT_LENGTH, headLength >= 0 ? headLength : body.length));
                response.send();
            } else {
                response.send(body);
            }
        } catch (RuntimeException cannotAnswer) { // the client went away, or the response was begun
            log.debug(
                    "faas: could not answer request {} on '{}' with {}: {}",
                    requestId,
                    triggerName,
                    status,
                    cannotAnswer.toString());
        }
    }

    void sendError(
            ServerRequest request,
            ServerResponse response,
            int status,
            String errorType,
            String message,
            String requestId,
            Map<String, String> extra) {
        if (response.isSent()) {
            return;
        }
        extra.forEach(response::header);
        send(
                request,
                response,
                status,
                requestId,
                JSON,
                errorBody(errorType, message, requestId).getBytes(StandardCharsets.UTF_8));
    }

    /** The trigger's error shape: {@code {"errorType", "message", "requestId"}}. */
    static String errorBody(String errorType, String message, String requestId) {
        return "{\"errorType\":" + Json.quote(errorType) + ",\"message\":" + Json.quote(message) + ",\"requestId\":"
                + Json.quote(requestId) + "}";
    }

    /** A random id in the UUID format, without SecureRandom's cost: it names a request, it guards nothing. */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
