package dev.faas.triggers.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every request of one trigger: route, limits, authentication, binding, invocation, and the
 * mapping of outcomes to status codes. Runs on the request's own thread, up to the invocation; the
 * thread that ends the call answers, so no thread waits for it. Every admitted request is counted
 * out by exactly one {@link #finish}, once its response is written; a draining close waits for that.
 */
final class RequestHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(HttpTrigger.class);
    private static final byte[] NO_BODY = new byte[0];

    private final HttpTrigger.Settings settings;
    private final Invoker invoker;
    /** Each function's binding, remade when the function is redeployed. */
    private final Map<String, Binding> bindings = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private volatile boolean closing;

    RequestHandler(HttpTrigger.Settings settings, Invoker invoker) {
        this.settings = settings;
        this.invoker = invoker;
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
    public void handle(HttpExchange exchange) {
        String requestId = newRequestId();
        int admitted = inFlight.incrementAndGet();
        boolean answered = true;
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
            answered = serve(exchange, requestId);
        } catch (RefusalException | RuntimeException refused) {
            answerRefusal(exchange, requestId, refused);
        } catch (IOException clientGone) {
            log.debug("faas: request {} on '{}': the client went away: {}", requestId, settings.name(),
                    clientGone.toString());
        } catch (Error unexpected) {
            answerUnexpected(exchange, requestId, unexpected);
        } finally {
            if (answered) {
                finish(exchange);
            }
        }
    }

    /**
     * Counts the request out (the last one out wakes a draining close), then closes the exchange:
     * in that order, because closing reads what is left of an unread body, which waits on the client.
     */
    private void finish(HttpExchange exchange) {
        if (inFlight.decrementAndGet() == 0 && closing) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
        exchange.close();
    }

    /**
     * Routes, reads and invokes.
     *
     * @return whether the request is answered; false when the invocation will answer it
     */
    private boolean serve(HttpExchange exchange, String requestId) throws RefusalException, IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        List<String> segments = decodedSegments(path);
        Map<String, String> pathParameters = new LinkedHashMap<>();
        Route route = route(method, path, segments, pathParameters);
        Mode mode = mode(exchange.getRequestHeaders().getFirst(HttpTrigger.INVOCATION_TYPE_HEADER));
        Authenticator authenticator = route.authenticator;
        if (authenticator != null && !authenticator.readsBody()) { // refused before its body is read
            authenticate(authenticator, requestEvent(exchange, requestId, pathParameters, NO_BODY));
        }
        byte[] body = readBody(exchange);
        if (authenticator != null && authenticator.readsBody()) {
            authenticate(authenticator, requestEvent(exchange, requestId, pathParameters, body));
        }
        return invoke(exchange, requestId, route, mode, body, pathParameters);
    }

    private static HttpRequestEvent requestEvent(HttpExchange exchange, String requestId,
                                                 Map<String, String> pathParameters, byte[] body)
            throws RefusalException {
        return new HttpRequestEvent(requestId, exchange.getRequestMethod(),
                decodePath(exchange.getRequestURI().getRawPath()), pathParameters,
                queryParameters(exchange.getRequestURI().getRawQuery()), exchange.getRequestHeaders(), body,
                sourceAddress(exchange));
    }

    /** Answers what kept a call from running (throttle, bad payload, ...), or a failure of the trigger. */
    private void answerRefusal(HttpExchange exchange, String requestId, Throwable refused) {
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
            answerUnexpected(exchange, requestId, refused);
        } else {
            sendError(exchange, refusal.status, refusal.errorType, refusal.getMessage(), requestId, refusal.headers);
        }
    }

    /** Whole seconds, rounded up, at least 1: Retry-After takes no fractions. */
    private static String retryAfterSeconds(ThrottledException throttled) {
        return Long.toString(Math.max(1, (throttled.retryAfter().toMillis() + 999) / 1000));
    }

    private void answerUnexpected(HttpExchange exchange, String requestId, Throwable unexpected) {
        log.warn("faas: request {} on '{}' failed inside the trigger", requestId, settings.name(), unexpected);
        sendError(exchange, 500, "InternalError", "the trigger failed; its log holds the error", requestId, Map.of());
    }

    /** Answers when the invocation ends, on its thread (or at once, on this one, if it was refused). */
    private void answerLater(HttpExchange exchange, String requestId, CompletableFuture<InvocationReport> call) {
        call.whenComplete((report, refused) -> {
            try {
                if (report != null) {
                    respond(exchange, report);
                } else {
                    answerRefusal(exchange, requestId, refused);
                }
            } catch (IOException clientGone) {
                log.debug("faas: request {} on '{}': the client went away: {}", requestId, settings.name(),
                        clientGone.toString());
            } catch (RuntimeException | Error unexpected) {
                answerUnexpected(exchange, report != null ? report.requestId() : requestId, unexpected);
            } finally {
                finish(exchange);
            }
        });
    }

    /** @return whether the request is answered; false when the invocation will answer it */
    private boolean invoke(HttpExchange exchange, String requestId, Route route, Mode mode, byte[] body,
                           Map<String, String> pathParameters) throws RefusalException, IOException {
        Binding binding = binding(route.function);
        Object input = binding.raw ? requestEvent(exchange, requestId, pathParameters, body)
                : bind(binding, body, pathParameters, exchange);
        return switch (mode) {
            case EVENT -> {
                String key = exchange.getRequestHeaders().getFirst(HttpTrigger.IDEMPOTENCY_KEY_HEADER);
                if (key != null && (key.isBlank() || key.length() > Invoker.MAX_IDEMPOTENCY_KEY)) {
                    throw new RefusalException(400, "BadRequest", HttpTrigger.IDEMPOTENCY_KEY_HEADER + " must be 1 to "
                            + Invoker.MAX_IDEMPOTENCY_KEY + " characters, not blank; leave it out for no key");
                }
                String eventId = key == null ? binding.function.invokeEvent(input)
                        : binding.function.invokeEvent(input, key);
                send(exchange, 202, eventId, "application/json",
                        ("{\"requestId\":\"" + eventId + "\"}").getBytes(StandardCharsets.UTF_8), Map.of());
                yield true;
            }
            case DRY_RUN -> {
                binding.function.dryRun(input);
                send(exchange, 204, requestId, null, NO_BODY, Map.of());
                yield true;
            }
            case REQUEST_RESPONSE -> {
                answerLater(exchange, requestId, binding.function.invokeForReportAsync(input));
                yield false;
            }
        };
    }

    /** Maps an invocation's outcome to the response. */
    private void respond(HttpExchange exchange, InvocationReport report) throws IOException {
        String id = report.requestId();
        String function = report.function();
        switch (report.outcome()) {
            case SUCCESS -> {
                Object output = report.output().orElse(null);
                if (output == null) {
                    send(exchange, 204, id, null, NO_BODY, Map.of());
                } else if (output instanceof HttpResponseEvent response) {
                    sendRaw(exchange, response, id);
                } else {
                    send(exchange, 200, id, settings.codec().contentType(), settings.codec().write(output), Map.of());
                }
            }
            case TIMEOUT -> sendError(exchange, 504, "FunctionTimeout", report.error().map(Throwable::getMessage)
                    .orElse("function '" + function + "' timed out"), id, Map.of());
            case MEMORY_LIMIT -> sendError(exchange, 502, "MemoryLimitExceeded", "function '" + function + "' was"
                    + " stopped for memory; its log and report hold the details", id, Map.of());
            case INIT_ERROR -> sendError(exchange, 502, "FunctionInitError", "function '" + function + "' could not"
                    + " initialize; its log and report hold the error", id, Map.of());
            case ERROR -> {
                if (report.error().orElse(null) instanceof RuntimeClosedException closed) { // stopped by close
                    sendError(exchange, 503, "ServiceUnavailable", closed.getMessage(), id, Map.of());
                } else {
                    sendError(exchange, 502, "FunctionError", "function '" + function + "' failed; its log and"
                            + " report hold the error", id, Map.of());
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

    private Object bind(Binding binding, byte[] body, Map<String, String> pathParameters, HttpExchange exchange)
            throws RefusalException {
        Class<?> type = binding.spec.inputType();
        if (type == Void.class) {
            return null;
        }
        Map<String, String> query = Map.of();
        String rawQuery = exchange.getRequestURI().getRawQuery();
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

    /** Reads the body, refusing one past the limit before it is read when its length is announced. */
    private byte[] readBody(HttpExchange exchange) throws RefusalException, IOException {
        Headers headers = exchange.getRequestHeaders();
        String length = headers.getFirst("Content-Length");
        if (length == null && headers.getFirst("Transfer-Encoding") == null) {
            return NO_BODY;
        }
        int max = settings.maxBodyBytes();
        int declared = length == null ? -1 : declaredLength(length, max); // refused here, before any byte is read
        if (declared == 0) {
            return NO_BODY;
        }
        try (InputStream in = exchange.getRequestBody()) {
            if (declared > 0) {
                byte[] body = in.readNBytes(declared);
                if (body.length < declared) {
                    throw new IOException("the body ended after " + body.length + " of its " + declared + " bytes");
                }
                return body;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (out.size() + read > max) {
                    // A chunked body grew past the limit. Closing the stream reads at most the server's
                    // drain amount (sun.net.httpserver.drainAmount, 64 KB) more, then drops the connection.
                    throw tooLarge(max);
                }
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        }
    }

    private static int declaredLength(String length, int max) throws RefusalException {
        long declared;
        try {
            declared = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            declared = -1;
        }
        if (declared < 0) {
            throw new RefusalException(400, "BadRequest", "the Content-Length '" + length + "' is not a length");
        }
        if (declared > max) {
            throw tooLarge(max);
        }
        return (int) declared;
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
                + " must be RequestResponse, Event or"
                + " DryRun, but was '" + header + "'");
    }

    private enum Mode { REQUEST_RESPONSE, EVENT, DRY_RUN }

    // ---- responses ----

    private static void sendRaw(HttpExchange exchange, HttpResponseEvent response, String requestId)
            throws IOException {
        Headers headers = exchange.getResponseHeaders();
        response.headers().forEach((name, values) -> headers.put(name, new ArrayList<>(values)));
        send(exchange, response.status(), requestId, null, response.body(), Map.of());
    }

    private static void send(HttpExchange exchange, int status, String requestId, String contentType, byte[] body,
                             Map<String, String> extra) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set(HttpTrigger.REQUEST_ID_HEADER, requestId);
        if (contentType != null) {
            headers.set("Content-Type", contentType);
        }
        extra.forEach(headers::set);
        boolean empty = body.length == 0 || status == 204 || status == 304 || status < 200
                || exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, empty ? -1 : body.length);
        if (!empty) {
            // Flushed, not closed: closing waits for the rest of an unread request body (finish closes).
            OutputStream out = exchange.getResponseBody();
            out.write(body);
            out.flush();
        }
    }

    private static void sendError(HttpExchange exchange, int status, String errorType, String message,
                                  String requestId, Map<String, String> extra) {
        String json = "{\"errorType\":" + Json.quote(errorType) + ",\"message\":" + Json.quote(message)
                + ",\"requestId\":" + Json.quote(requestId) + "}";
        try {
            send(exchange, status, requestId, "application/json", json.getBytes(StandardCharsets.UTF_8), extra);
        } catch (IOException | RuntimeException cannotAnswer) {
            // The client went away, or the response had begun: nothing more can be said to it.
            log.debug("faas: could not answer request {} with {}: {}", requestId, status, cannotAnswer.toString());
        }
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
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            throw new RefusalException(400, "BadRequest", "the path has a malformed escape: " + malformed.getMessage());
        }
    }

    private static Map<String, List<String>> queryParameters(String rawQuery) throws RefusalException {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        try {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                parameters.computeIfAbsent(name, ignored -> new ArrayList<>(1)).add(value);
            }
        } catch (IllegalArgumentException malformed) {
            throw new RefusalException(400, "BadRequest",
                    "the query string has a malformed escape: " + malformed.getMessage());
        }
        return parameters;
    }

    private static String sourceAddress(HttpExchange exchange) {
        var remote = exchange.getRemoteAddress();
        return remote.getAddress().getHostAddress() + ":" + remote.getPort();
    }

    /** A random id in the UUID format, without SecureRandom's cost: it names a request, it guards nothing. */
    private static String newRequestId() {
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
