package dev.faas.triggers.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's own refusals, of requests it could not parse or that broke a limit before any
 * route saw them, answered in the trigger's error shape: the JSON body, a request id, and a
 * message that says what to fix. Helidon's own text is passed on only when it names no Java type.
 */
final class ServerRefusals implements DirectHandler {

    // Helidon raises headers past its limit as a plain 400 with this message: matched, to answer
    // 431 (HttpWireTest's 431 case guards it against a Helidon upgrade that rewords it).
    private static final String HEADERS_TOO_LARGE = "Header size exceeded";

    private static final Logger log = LoggerFactory.getLogger(HttpTrigger.class);

    private final String triggerName;
    private final int maxHeaderBytes;
    private final int maxBodyBytes;
    private final ReadTimeouts timeouts;

    ServerRefusals(String triggerName, int maxHeaderBytes, int maxBodyBytes, ReadTimeouts timeouts) {
        this.triggerName = triggerName;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxBodyBytes = maxBodyBytes;
        this.timeouts = timeouts;
    }

    /** These refusals for every kind of event the server raises. */
    DirectHandlers handlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, this);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(
            TransportRequest request,
            EventType eventType,
            Status defaultStatus,
            ServerResponseHeaders responseHeaders,
            String message) {
        timeouts.watch().disarm(); // on the connection's thread: a header read that failed ends here
        String detail = message == null ? "" : message;
        int status;
        String errorType;
        String text;
        if (detail.equals(HEADERS_TOO_LARGE)) {
            status = 431;
            errorType = "RequestHeaderFieldsTooLarge";
            text = "the request's headers are larger than the limit of " + maxHeaderBytes + " bytes";
        } else {
            status = defaultStatus.code();
            switch (status) {
                case 414 -> {
                    errorType = "URITooLong";
                    text = "the request line is longer than the limit of " + maxHeaderBytes + " bytes";
                }
                case 505 -> {
                    errorType = "HTTPVersionNotSupported";
                    text = "this server speaks HTTP/1.1 only";
                }
                case 501 -> {
                    errorType = "NotImplemented";
                    text = "the request's Transfer-Encoding is not supported: send chunked or a Content-Length";
                }
                case 413 -> {
                    errorType = "PayloadTooLarge";
                    text = "the body is larger than the limit of " + maxBodyBytes + " bytes";
                }
                default -> {
                    // Helidon raises what its parser cannot take (a bad token in the method, a stream that
                    // ends mid-headers) as a 500 with a stack trace in its log: the client's mistake, a 400.
                    if (status >= 500) {
                        log.debug(
                                "faas: HTTP trigger '{}' refused a request Helidon could not parse: {} {}",
                                triggerName,
                                defaultStatus.code(),
                                detail);
                        status = 400;
                    }
                    errorType = "BadRequest";
                    text = "the request is not valid HTTP/1.1" + (isPrintable(detail) ? ": " + detail : "");
                }
            }
        }
        String requestId = Responses.newRequestId();
        byte[] body = Responses.errorBody(errorType, text, requestId).getBytes(StandardCharsets.UTF_8);
        responseHeaders.set(HeaderNames.CONTENT_TYPE, "application/json");
        responseHeaders.set(Responses.REQUEST_ID, requestId);
        return TransportResponse.builder()
                .status(Responses.status(status))
                .headers(responseHeaders)
                .entity(body)
                .keepAlive(false)
                .build();
    }

    /** Whether Helidon's text can go to a client: short, and naming no exception or Java type. */
    private static boolean isPrintable(String detail) {
        return !detail.isEmpty()
                && detail.length() <= 200
                && !detail.contains("Exception")
                && !detail.contains("java.")
                && !detail.contains("io.helidon")
                && !detail.startsWith("Bad request, see");
    }

    @Override
    public String toString() {
        return "ServerRefusals[" + triggerName + "]";
    }
}
