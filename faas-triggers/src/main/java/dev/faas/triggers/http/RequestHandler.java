package dev.faas.triggers.http;

import dev.faas.api.FunctionNotFoundException;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvocationReport;
import dev.faas.api.Invoker;
import dev.faas.api.PayloadTypeException;
import dev.faas.api.RuntimeClosedException;
import dev.faas.api.ThrottledException;
import dev.faas.api.events.HttpRequestEvent;
import dev.faas.api.events.HttpResponseEvent;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.http.media.ReadableEntity;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every request of one trigger: limits, route, authentication, body, binding, invocation,
 * and the mapping of outcomes to status codes. Runs on the connection's own virtual thread, which
 * waits for the call (Helidon answers a connection's requests one after the other, on its thread).
 * Every admitted request is counted out once its response is written; a draining close waits for that.
 */
final class RequestHandler implements Handler {

    static final HeaderName REQUEST_ID = HeaderNames.create(HttpTrigger.REQUEST_ID_HEADER);
    private static final HeaderName INVOCATION_TYPE = HeaderNames.create(HttpTrigger.INVOCATION_TYPE_HEADER);
    private static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create(HttpTrigger.IDEMPOTENCY_KEY_HEADER);
    private static final Logger log = LoggerFactory.getLogger(HttpTrigger.class);
    private static final byte[] NO_BODY = new byte[0];
    private static final Header JSON = HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json");

    private final HttpTrigger.Settings settings;
    private final Invoker invoker;
    private final ReadTimeouts timeouts;
    private final Header codecContentType;
    /** Each function's binding, remade when the function is redeployed. */
    private final Map<String, Binding> bindings = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private volatile boolean closing;

    RequestHandler(HttpTrigger.Settings settings, Invoker invoker, ReadTimeouts timeouts) {
        this.settings = settings;
        this.invoker = invoker;
        this.timeouts = timeouts;
        this.codecContentType = contentType(settings.codec().contentType());
    }

    /** The codec's content type, checked by the trigger's builder. */
    private static Header contentType(String value) {
        return value.equals("application/json") ? JSON : HeaderValues.create(HeaderNames.CONTENT_TYPE, value);
    }

    /** How a function is called: its typed reference, and whether it takes the raw request. */
    private record Binding(FunctionSpec<?, ?> spec, FunctionRef<Object, Object> function, boolean raw) {
    }

    /** A response that ends the request early, with an error body. */
    private static final class RefusalException extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String errorType;
        private final transient Map<String, String> headers;

        RefusalException(int status, String errorType, String message) {
            this(status, errorType, message, Map.of());
        }

        RefusalException(int status, String errorType, String message, Map<String, String> headers) {
            super(message, null, false, false);
            this.status = status;
            this.errorType = errorType;
            this.headers = headers;
        }
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response) {
        String requestId = newRequestId();
        int admitted = inFlight.incrementAndGet();
        try {
            if (closing) {
                throw new RefusalException(503, "ServiceUnavailable",
                        "the HTTP trigger '" + settings.name() + "' is closing");
            }
            if (admitted > settings.maxInFlight()) {
                throw new RefusalException(429, "TooManyRequests", "the HTTP trigger '" + settings.name()
                        + "' is answering its maximum of " + settings.maxInFlight() + " requests; retry later",
                        Map.of("Retry-After", "1"));
            }
            serve(request, response, requestId);
        } catch (RefusalException | RuntimeException refused) {
            answerRefusal(request, response, requestId, refused);
        } catch (Error unexpected) {
            answerUnexpected(request, response, requestId, unexpected);
        } finally {
            if (inFlight.decrementAndGet() == 0 && closing) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
        ServerResponseHeaders sent = response.headers();
        if (!sent.contains(HeaderValues.CONNECTION_KEEP_ALIVE) && sent.containsToken(HeaderValues.CONNECTION_CLOSE)) {
            // Helidon sends the header but reads on: whatever came next (an unread body) would be
            // taken for a request. This ends the connection, once its response is out.
            throw new CloseConnectionException("answered with Connection: close");
        }
    }

    /** Routes, reads, invokes and answers. */
    private void serve(ServerRequest request, ServerResponse response, String requestId) throws RefusalException {
        ServerRequestHeaders headers = request.headers();
        int count = headerLines(headers);
        if (count > settings.maxHeaders()) {
            throw new RefusalException(431, "RequestHeaderFieldsTooLarge", "the request has " + count
                    + " headers, more than the limit of " + settings.maxHeaders());
        }
        String method = request.prologue().method().text();
        String path = request.prologue().uriPath().rawPath();
        List<String> segments = decodedSegments(path);
        Map<String, String> pathParameters = new LinkedHashMap<>();
        Route route = route(method, path, segments, pathParameters);
        Mode mode = mode(headers.first(INVOCATION_TYPE).orElse(null));
        Authenticator authenticator = route.authenticator;
        if (authenticator != null && !authenticator.readsBody()) { // refused before its body is read
            authenticate(authenticator, requestEvent(request, requestId, pathParameters, NO_BODY));
        }
        byte[] body = readBody(request); // sends 100 Continue, if the client asked, once it starts reading
        if (authenticator != null && authenticator.readsBody()) {
            authenticate(authenticator, requestEvent(request, requestId, pathParameters, body));
        }
        invoke(request, response, requestId, route, mode, body, pathParameters);
    }

    private static HttpRequestEvent requestEvent(ServerRequest request, String requestId,
                                                 Map<String, String> pathParameters, byte[] body)
            throws RefusalException {
        return new HttpRequestEvent(requestId, request.prologue().method().text(),
                decodePath(request.prologue().uriPath().rawPath()), pathParameters,
                queryParameters(request.prologue().query().rawValue()), headerMap(request.headers()), body,
                sourceAddress(request.remotePeer().address()));
    }

    /** Header lines, not names: Helidon holds a repeated name's values in one header. */
    private static int headerLines(ServerRequestHeaders headers) {
        int lines = 0;
        for (Header header : headers) {
            lines += header.valueCount();
        }
        return lines;
    }

    private static Map<String, List<String>> headerMap(ServerRequestHeaders headers) {
        Map<String, List<String>> map = new HashMap<>();
        for (Header header : headers) {
            map.computeIfAbsent(header.name(), name -> new ArrayList<>(1)).addAll(header.allValues());
        }
        return map;
    }

    /** Answers what kept a call from running (throttle, bad payload, ...), or a failure of the trigger. */
    private void answerRefusal(ServerRequest request, ServerResponse response, String requestId, Throwable refused) {
        RefusalException refusal = switch (refused) {
            case RefusalException ours -> ours;
            case ThrottledException throttled -> new RefusalException(429, "Throttled", throttled.getMessage(),
                    Map.of("Retry-After", retryAfterSeconds(throttled)));
            case PayloadTypeException wrongType -> new RefusalException(400, "BadRequest", wrongType.getMessage());
            case FunctionNotFoundException gone -> new RefusalException(404, "FunctionNotFound", gone.getMessage());
            case RuntimeClosedException closed -> new RefusalException(503, "ServiceUnavailable", closed.getMessage());
            default -> null;
        };
        if (refusal == null) {
            answerUnexpected(request, response, requestId, refused);
        } else {
            sendError(request, response, refusal.status, refusal.errorType, refusal.getMessage(), requestId,
                    refusal.headers);
        }
    }

    /** Whole seconds, rounded up, at least 1: Retry-After takes no fractions. */
    private static String retryAfterSeconds(ThrottledException throttled) {
        return Long.toString(Math.max(1, (throttled.retryAfter().toMillis() + 999) / 1000));
    }

    private void answerUnexpected(ServerRequest request, ServerResponse response, String requestId,
                                  Throwable unexpected) {
        if (isClientGone(unexpected)) {
            log.debug("faas: request {} on '{}': the client went away: {}", requestId, settings.name(),
                    unexpected.toString());
            return;
        }
        log.warn("faas: request {} on '{}' failed inside the trigger", requestId, settings.name(), unexpected);
        sendError(request, response, 500, "InternalError", "the trigger failed; its log holds the error", requestId,
                Map.of());
    }

    private static boolean isClientGone(Throwable failure) {
        return failure instanceof UncheckedIOException || failure instanceof ServerConnectionException;
    }

    private void invoke(ServerRequest request, ServerResponse response, String requestId, Route route, Mode mode,
                        byte[] body, Map<String, String> pathParameters) throws RefusalException {
        Binding binding = binding(route.function);
        Object input = binding.raw ? requestEvent(request, requestId, pathParameters, body)
                : bind(binding, body, pathParameters, request);
        switch (mode) {
            case EVENT -> {
                String key = request.headers().first(IDEMPOTENCY_KEY).orElse(null);
                if (key != null && (key.isBlank() || key.length() > Invoker.MAX_IDEMPOTENCY_KEY)) {
                    throw new RefusalException(400, "BadRequest", HttpTrigger.IDEMPOTENCY_KEY_HEADER + " must be 1 to "
                            + Invoker.MAX_IDEMPOTENCY_KEY + " characters, not blank; leave it out for no key");
                }
                String eventId = key == null ? binding.function.invokeEvent(input)
                        : binding.function.invokeEvent(input, key);
                send(request, response, 202, eventId, JSON,
                        ("{\"requestId\":\"" + eventId + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            case DRY_RUN -> {
                binding.function.dryRun(input);
                send(request, response, 204, requestId, null, NO_BODY);
            }
            case REQUEST_RESPONSE -> respond(request, response, binding.function.invokeForReport(input));
        }
    }

    /** Maps an invocation's outcome to the response. */
    private void respond(ServerRequest request, ServerResponse response, InvocationReport report) {
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
                        written = settings.codec().write(output);
                    } catch (RuntimeException | Error unwritable) {
                        answerUnexpected(request, response, id, unwritable);
                        return;
                    }
                    send(request, response, 200, id, codecContentType, written);
                }
            }
            case TIMEOUT -> sendError(request, response, 504, "FunctionTimeout", report.error()
                    .map(Throwable::getMessage).orElse("function '" + function + "' timed out"), id, Map.of());
            case MEMORY_LIMIT -> sendError(request, response, 502, "MemoryLimitExceeded", "function '" + function
                    + "' was stopped for memory; its log and report hold the details", id, Map.of());
            case INIT_ERROR -> sendError(request, response, 502, "FunctionInitError", "function '" + function
                    + "' could not initialize; its log and report hold the error", id, Map.of());
            case ERROR -> {
                if (report.error().orElse(null) instanceof RuntimeClosedException closed) { // stopped by close
                    sendError(request, response, 503, "ServiceUnavailable", closed.getMessage(), id, Map.of());
                } else {
                    sendError(request, response, 502, "FunctionError", "function '" + function + "' failed; its"
                            + " log and report hold the error", id, Map.of());
                }
            }
        }
    }

    private Binding binding(String function) throws RefusalException {
        Optional<FunctionSpec<?, ?>> described = invoker.describe(function);
        if (described.isEmpty()) {
            throw new RefusalException(404, "FunctionNotFound",
                    "the route's function '" + function + "' is not deployed");
        }
        FunctionSpec<?, ?> spec = described.get();
        Binding binding = bindings.get(function);
        if (binding == null || binding.spec != spec) {
            @SuppressWarnings("unchecked")
            FunctionRef<Object, Object> ref = (FunctionRef<Object, Object>) invoker.function(function,
                    spec.inputType(), spec.outputType());
            binding = new Binding(spec, ref, spec.inputType() == HttpRequestEvent.class);
            bindings.put(function, binding);
        }
        return binding;
    }

    private Object bind(Binding binding, byte[] body, Map<String, String> pathParameters, ServerRequest request)
            throws RefusalException {
        Class<?> type = binding.spec.inputType();
        if (type == Void.class) {
            return null;
        }
        Map<String, String> query = Map.of();
        String rawQuery = request.prologue().query().rawValue();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            query = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> parameter : queryParameters(rawQuery).entrySet()) {
                query.put(parameter.getKey(), parameter.getValue().getFirst());
            }
        }
        try {
            return settings.codec().read(body, pathParameters, query, type);
        } catch (IllegalArgumentException malformed) {
            throw new RefusalException(400, "BadRequest", "function '" + binding.function.name() + "': "
                    + malformed.getMessage());
        }
    }

    private static void authenticate(Authenticator authenticator, HttpRequestEvent request) throws RefusalException {
        switch (authenticator.authenticate(request)) {
            case ALLOWED -> { }
            case UNAUTHENTICATED -> throw new RefusalException(401, "Unauthorized",
                    "the request carries no valid credentials",
                    Map.of("WWW-Authenticate", authenticator.challenge()));
            case FORBIDDEN -> throw new RefusalException(403, "Forbidden", "the request's credentials do not allow it");
        }
    }

    /**
     * Reads the body: refused before any byte is read (and before 100 Continue) when its announced
     * length is past the limit, else read incrementally up to the limit, within the body timeout.
     * The stream is closed only once read to its end: closing reads what is left, which after a
     * refusal is what {@code Connection: close} leaves unread.
     */
    private byte[] readBody(ServerRequest request) throws RefusalException {
        ReadableEntity content = request.content();
        if (!content.hasEntity()) {
            return NO_BODY;
        }
        int max = settings.maxBodyBytes();
        long announced = request.headers().contentLength().orElse(-1); // Helidon refused one that is not a length
        if (announced > max) {
            throw tooLarge(max);
        }
        ReadTimeouts.Watch watch = timeouts.watch();
        watch.arm(timeouts.bodyNanos());
        try {
            InputStream in = content.inputStream();
            byte[] body = announced >= 0 ? in.readNBytes((int) announced) : readChunked(in, max);
            if (body.length < announced) { // Helidon ends the stream, not the connection
                throw new RefusalException(400, "BadRequest", "the body ended after " + body.length + " of its "
                        + announced + " announced bytes");
            }
            in.close(); // read to its end: closing marks it consumed, so the connection is kept
            return body;
        } catch (IOException | RuntimeException unreadable) { // a lying length, bad chunks, a closed connection
            if (!watch.disarm()) { // cut off: the connection is closed, so this answer will not get through
                throw new RefusalException(408, "RequestTimeout", "the body did not arrive within the body"
                        + " timeout of " + timeouts.bodyNanos() / 1_000_000 + " ms");
            }
            throw new RefusalException(400, "BadRequest", "the body could not be read: it ended before its"
                    + " announced length, or its chunked encoding is malformed");
        } finally {
            watch.disarm(); // a body read in time, or late but whole, is served: only a cut-off read is lost
        }
    }

    private static byte[] readChunked(InputStream in, int max) throws IOException, RefusalException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer)) >= 0) {
            if (out.size() + read > max) {
                throw tooLarge(max); // answered with Connection: close, so the rest is never read
            }
            out.write(buffer, 0, read);
        }
        return out.toByteArray();
    }

    private static RefusalException tooLarge(int max) {
        return new RefusalException(413, "PayloadTooLarge", "the body is larger than the limit of " + max + " bytes");
    }

    private static Mode mode(String header) throws RefusalException {
        if (header == null || header.equalsIgnoreCase("RequestResponse")) {
            return Mode.REQUEST_RESPONSE;
        }
        if (header.equalsIgnoreCase("Event")) {
            return Mode.EVENT;
        }
        if (header.equalsIgnoreCase("DryRun")) {
            return Mode.DRY_RUN;
        }
        throw new RefusalException(400, "BadRequest", HttpTrigger.INVOCATION_TYPE_HEADER
                + " must be RequestResponse, Event or DryRun, but was '" + header + "'");
    }

    private enum Mode { REQUEST_RESPONSE, EVENT, DRY_RUN }

    // ---- responses ----

    /**
     * Sends a raw function's response, once its status and headers are checked: a status outside
     * 200-599 (a 1xx is no final response) or a header that would break the response's framing is
     * the function's mistake, answered 500 with one WARN line.
     */
    private void sendRaw(ServerRequest request, ServerResponse response, HttpResponseEvent raw, String requestId,
                         String function) {
        String wrong = RawResponses.check(raw);
        if (wrong != null) {
            log.warn("faas: function '{}' (request {}) returned a response the trigger cannot send: {}", function,
                    requestId, wrong);
            sendError(request, response, 500, "InvalidFunctionResponse", "function '" + function + "' returned a"
                    + " response the trigger cannot send; its log says why", requestId, Map.of());
            return;
        }
        raw.headers().forEach((name, values) -> {
            if (!RawResponses.isFraming(name)) {
                response.header(HeaderValues.create(HeaderNames.create(name), values));
            }
        });
        send(request, response, raw.status(), requestId, null, raw.body());
    }

    /**
     * Writes the response. A request whose body was not read to its end (refused before it was, or
     * past a limit) is answered with {@code Connection: close}, so the server does not read the rest.
     */
    private void send(ServerRequest request, ServerResponse response, int status, String requestId,
                      Header contentType, byte[] body) {
        try {
            response.status(status == 200 ? Status.OK_200 : Status.create(status));
            response.header(REQUEST_ID, requestId);
            if (contentType != null) {
                response.header(contentType);
            }
            ReadableEntity content = request.content();
            if (content.hasEntity() && !content.consumed()) {
                response.header(HeaderValues.CONNECTION_CLOSE);
            }
            boolean empty = status == 204 || status == 304 || request.prologue().method().text().equals("HEAD");
            response.send(empty ? NO_BODY : body);
        } catch (RuntimeException cannotAnswer) { // the client went away, or the response was begun
            log.debug("faas: could not answer request {} on '{}' with {}: {}", requestId, settings.name(), status,
                    cannotAnswer.toString());
        }
    }

    private void sendError(ServerRequest request, ServerResponse response, int status, String errorType,
                           String message, String requestId, Map<String, String> extra) {
        if (response.isSent()) {
            return;
        }
        extra.forEach(response::header);
        send(request, response, status, requestId, JSON,
                errorBody(errorType, message, requestId).getBytes(StandardCharsets.UTF_8));
    }

    /** The trigger's error shape: {@code {"errorType", "message", "requestId"}}. */
    static String errorBody(String errorType, String message, String requestId) {
        return "{\"errorType\":" + Json.quote(errorType) + ",\"message\":" + Json.quote(message)
                + ",\"requestId\":" + Json.quote(requestId) + "}";
    }

    // ---- parsing ----

    /** The path's segments, percent-decoded one by one (an encoded slash stays inside its segment). */
    private static List<String> decodedSegments(String rawPath) throws RefusalException {
        List<String> segments = Route.segments(rawPath == null || rawPath.isEmpty() ? "/" : rawPath);
        for (int i = 0; i < segments.size(); i++) {
            segments.set(i, percentDecode(segments.get(i)));
        }
        return segments;
    }

    private static String decodePath(String rawPath) throws RefusalException {
        return rawPath == null || rawPath.isEmpty() ? "/" : percentDecode(rawPath);
    }

    /** Decodes %XX escapes as UTF-8; unlike form decoding, a '+' stays a '+'. */
    static String percentDecode(String raw) throws RefusalException {
        return decode(raw, false, "path");
    }

    /**
     * Decodes %XX escapes, and a '+' as a space if asked (as forms and query strings write it).
     * Bytes that are not UTF-8 become U+FFFD, as {@code new String} makes them.
     */
    private static String decode(String raw, boolean plusIsSpace, String where) throws RefusalException {
        if (raw.indexOf('%') < 0) {
            return plusIsSpace ? raw.replace('+', ' ') : raw;
        }
        byte[] bytes = new byte[raw.length() * 3];
        int length = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = high < 0 ? -1 : Character.digit(raw.charAt(i + 2), 16);
                if (low < 0) {
                    throw new RefusalException(400, "BadRequest", "the " + where + " has a malformed escape at"
                            + " character " + (i + 1) + ": a '%' must be followed by two hex digits");
                }
                bytes[length++] = (byte) (high << 4 | low);
                i += 2;
            } else if (c < 0x80) {
                bytes[length++] = (byte) (plusIsSpace && c == '+' ? ' ' : c);
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(encoded, 0, bytes, length, encoded.length);
                length += encoded.length;
            }
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private static Map<String, List<String>> queryParameters(String rawQuery) throws RefusalException {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals), true, "query string");
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1), true, "query string");
            parameters.computeIfAbsent(name, ignored -> new ArrayList<>(1)).add(value);
        }
        return parameters;
    }

    private static String sourceAddress(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() + ":" + inet.getPort()
                : String.valueOf(remote);
    }

    /** A random id in the UUID format, without SecureRandom's cost: it names a request, it guards nothing. */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L;
        return new java.util.UUID(high, low).toString();
    }

    // ---- routing ----

    /**
     * The route for the request (the most specific, as the routes are sorted), else a 404 or a 405.
     * A HEAD without a route of its own takes the GET route, as HTTP says (the response has no body).
     */
    private Route route(String method, String path, List<String> segments, Map<String, String> captured)
            throws RefusalException {
        for (Route route : settings.routes()) {
            if (route.method.equals(method) && route.matches(segments, captured)) {
                return route;
            }
        }
        if (method.equals("HEAD")) {
            for (Route route : settings.routes()) {
                if (route.method.equals("GET") && route.matches(segments, captured)) {
                    return route;
                }
            }
        }
        TreeSet<String> methods = new TreeSet<>();
        for (Route route : settings.routes()) {
            if (route.matches(segments, new HashMap<>())) {
                methods.add(route.method);
            }
        }
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        if (methods.isEmpty()) {
            throw new RefusalException(404, "NotFound", "no route for " + method + " " + path);
        }
        String allow = String.join(", ", methods);
        throw new RefusalException(405, "MethodNotAllowed", path + " takes " + allow + ", not " + method,
                Map.of("Allow", allow));
    }

    // ---- close ----

    /** Refuses new requests (503) and waits until those in flight have been answered, or the timeout. */
    boolean closeAndDrain(long timeoutNanos) throws InterruptedException {
        closing = true;
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (drained) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                drained.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    int inFlight() {
        return inFlight.get();
    }
}
