package dev.faas.triggers.http;

import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Invoker;
import dev.faas.api.events.HttpRequestEvent;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.RequestException;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.media.ReadableEntity;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers every request of one trigger, top to bottom: admission, limits, route, authentication,
 * body, binding, invocation; {@link Router} picks the route and {@link Responses} writes the
 * answer. Runs on the connection's own virtual thread, which waits for the call (Helidon answers a
 * connection's requests one after the other, on its thread).
 * Every admitted request is counted out once its response is written; a draining close waits for that.
 */
final class RequestHandler implements Handler {

    private static final HeaderName INVOCATION_TYPE = HeaderNames.create(HttpTrigger.INVOCATION_TYPE_HEADER);
    private static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create(HttpTrigger.IDEMPOTENCY_KEY_HEADER);
    private static final byte[] NO_BODY = Responses.NO_BODY;

    private final HttpTrigger.Settings settings;
    private final Invoker invoker;
    private final ReadTimeouts timeouts;
    private final Router router;
    private final Responses responses;
    /** Each function's binding, remade when the function is redeployed. */
    private final Map<String, Binding> bindings = new ConcurrentHashMap<>();

    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private volatile boolean closing;

    RequestHandler(HttpTrigger.Settings settings, Invoker invoker, ReadTimeouts timeouts) {
        this.settings = settings;
        this.invoker = invoker;
        this.timeouts = timeouts;
        this.router = new Router(settings.routes());
        this.responses = new Responses(settings.name(), settings.codec());
    }

    /** How a function is called: its typed reference, and whether it takes the raw request. */
    private record Binding(FunctionSpec<?, ?> spec, FunctionRef<Object, Object> function, boolean raw) {}

    @Override
    public void handle(ServerRequest request, ServerResponse response) {
        String requestId = Responses.newRequestId();
        int admitted = inFlight.incrementAndGet();
        try {
            if (closing) {
                throw new Refusal(503, "ServiceUnavailable", "the HTTP trigger '" + settings.name() + "' is closing");
            }
            if (admitted > settings.maxInFlight()) {
                throw new Refusal(
                        429,
                        "TooManyRequests",
                        "the HTTP trigger '" + settings.name() + "' is answering its maximum of "
                                + settings.maxInFlight() + " requests; retry later",
                        Map.of("Retry-After", "1"));
            }
            serve(request, response, requestId);
        } catch (Refusal | RuntimeException refused) {
            responses.refuse(request, response, requestId, refused);
        } catch (Error unexpected) {
            responses.unexpected(request, response, requestId, unexpected);
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
    private void serve(ServerRequest request, ServerResponse response, String requestId) throws Refusal {
        ServerRequestHeaders headers = request.headers();
        int count = headerLines(headers);
        if (count > settings.maxHeaders()) {
            throw new Refusal(
                    431,
                    "RequestHeaderFieldsTooLarge",
                    "the request has " + count + " headers, more than the limit of " + settings.maxHeaders());
        }
        String method = request.prologue().method().text();
        String path = targetPath(request.prologue().uriPath().rawPath());
        Map<String, String> pathParameters = new LinkedHashMap<>();
        Route route = router.route(method, path, pathParameters);
        Mode mode = mode(headers.first(INVOCATION_TYPE).orElse(null));
        Authenticator authenticator = route.authenticator;
        if (authenticator != null && !authenticator.readsBody()) { // refused before its body is read
            authenticate(authenticator, requestEvent(request, requestId, path, pathParameters, NO_BODY));
        }
        byte[] body = readBody(request); // sends 100 Continue, if the client asked, once it starts reading
        if (authenticator != null && authenticator.readsBody()) {
            authenticate(authenticator, requestEvent(request, requestId, path, pathParameters, body));
        }
        invoke(request, response, requestId, route, mode, path, body, pathParameters);
    }

    /** @param path the request target's raw path, as {@link #targetPath} made it */
    private static HttpRequestEvent requestEvent(
            ServerRequest request, String requestId, String path, Map<String, String> pathParameters, byte[] body)
            throws Refusal {
        Map<String, List<String>> headers = headerMap(request.headers());
        String authority = targetAuthority(request.prologue().uriPath().rawPath());
        if (authority != null) {
            headers.keySet().removeIf(name -> name.equalsIgnoreCase("host"));
            headers.put("host", List.of(authority));
        }
        return new HttpRequestEvent(
                requestId,
                request.prologue().method().text(),
                UriDecoding.percentDecode(path),
                pathParameters,
                UriDecoding.queryParameters(request.prologue().query().rawValue()),
                headers,
                body,
                sourceAddress(request.remotePeer().address()));
    }

    private static String sourceAddress(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort()
                : String.valueOf(remote);
    }

    /** Header lines, not names: Helidon holds a repeated name's values in one header. */
    private static int headerLines(ServerRequestHeaders headers) throws Refusal {
        int lines = 0;
        for (Header header : headers) {
            if (header.name().isEmpty()) { // Helidon's parser takes ": value"
                throw new Refusal(400, "BadRequest", "a header has no name");
            }
            lines += header.valueCount();
        }
        return lines;
    }

    /**
     * The request target's path: an origin-form target as it is, an absolute-form one's path (which
     * HTTP/1.1 servers must take, as proxies send it); anything else, or a control character, is a 400.
     */
    private static String targetPath(String target) throws Refusal {
        if (target == null || target.isEmpty()) {
            return "/";
        }
        String path = target;
        if (!target.startsWith("/")) {
            int authority = authorityStart(target);
            if (authority < 0) {
                throw new Refusal(
                        400,
                        "BadRequest",
                        "the request target must be a path that starts with '/' (or"
                                + " an absolute URI, http://host/path)");
            }
            int slash = target.indexOf('/', authority);
            path = slash < 0 ? "/" : target.substring(slash);
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c == 0x7F) {
                throw new Refusal(
                        400,
                        "BadRequest",
                        "the request target holds a space or a control character:" + " escape it (%20 for a space)");
            }
        }
        return path;
    }

    /** Where an absolute-form target's authority starts, after its scheme (any case); -1 for no such target. */
    private static int authorityStart(String target) {
        return target.regionMatches(true, 0, "http://", 0, 7)
                ? 7
                : target.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
    }

    /** An absolute-form target's authority, which HTTP says replaces the Host header; null otherwise. */
    private static String targetAuthority(String target) {
        int start = target == null ? -1 : authorityStart(target);
        if (start < 0) {
            return null;
        }
        int end = target.indexOf('/', start);
        return target.substring(start, end < 0 ? target.length() : end);
    }

    private static Map<String, List<String>> headerMap(ServerRequestHeaders headers) {
        Map<String, List<String>> map = new HashMap<>();
        for (Header header : headers) {
            map.computeIfAbsent(header.name(), name -> new ArrayList<>(1)).addAll(header.allValues());
        }
        return map;
    }

    private void invoke(
            ServerRequest request,
            ServerResponse response,
            String requestId,
            Route route,
            Mode mode,
            String path,
            byte[] body,
            Map<String, String> pathParameters)
            throws Refusal {
        Binding binding = binding(route.function);
        Object input = binding.raw
                ? requestEvent(request, requestId, path, pathParameters, body)
                : bind(binding, body, pathParameters, request);
        switch (mode) {
            case EVENT -> {
                String key = request.headers().first(IDEMPOTENCY_KEY).orElse(null);
                if (key != null && (key.isBlank() || key.length() > Invoker.MAX_IDEMPOTENCY_KEY)) {
                    throw new Refusal(
                            400,
                            "BadRequest",
                            HttpTrigger.IDEMPOTENCY_KEY_HEADER + " must be 1 to " + Invoker.MAX_IDEMPOTENCY_KEY
                                    + " characters, not blank; leave it out for no key");
                }
                String eventId =
                        key == null ? binding.function.invokeEvent(input) : binding.function.invokeEvent(input, key);
                responses.send(
                        request,
                        response,
                        202,
                        eventId,
                        Responses.JSON,
                        ("{\"requestId\":\"" + eventId + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            case DRY_RUN -> {
                binding.function.dryRun(input);
                responses.send(request, response, 204, requestId, null, NO_BODY);
            }
            case REQUEST_RESPONSE -> responses.respond(request, response, binding.function.invokeForReport(input));
        }
    }

    private Binding binding(String function) throws Refusal {
        Optional<FunctionSpec<?, ?>> described = invoker.describe(function);
        if (described.isEmpty()) {
            throw new Refusal(404, "FunctionNotFound", "the route's function '" + function + "' is not deployed");
        }
        FunctionSpec<?, ?> spec = described.get();
        Binding binding = bindings.get(function);
        if (binding == null || binding.spec != spec) {
            @SuppressWarnings("unchecked")
            FunctionRef<Object, Object> ref =
                    (FunctionRef<Object, Object>) invoker.function(function, spec.inputType(), spec.outputType());
            binding = new Binding(spec, ref, spec.inputType() == HttpRequestEvent.class);
            bindings.put(function, binding);
        }
        return binding;
    }

    private Object bind(Binding binding, byte[] body, Map<String, String> pathParameters, ServerRequest request)
            throws Refusal {
        Class<?> type = binding.spec.inputType();
        if (type == Void.class) {
            return null;
        }
        Map<String, String> query = Map.of();
        String rawQuery = request.prologue().query().rawValue();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            query = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> parameter :
                    UriDecoding.queryParameters(rawQuery).entrySet()) {
                query.put(parameter.getKey(), parameter.getValue().getFirst());
            }
        }
        try {
            return settings.codec().read(body, pathParameters, query, type);
        } catch (IllegalArgumentException malformed) {
            throw new Refusal(
                    400, "BadRequest", "function '" + binding.function.name() + "': " + malformed.getMessage());
        }
    }

    private static void authenticate(Authenticator authenticator, HttpRequestEvent request) throws Refusal {
        switch (authenticator.authenticate(request)) {
            case ALLOWED -> {}
            case UNAUTHENTICATED ->
                throw new Refusal(
                        401,
                        "Unauthorized",
                        "the request carries no valid credentials",
                        Map.of("WWW-Authenticate", authenticator.challenge()));
            case FORBIDDEN -> throw new Refusal(403, "Forbidden", "the request's credentials do not allow it");
        }
    }

    /**
     * Reads the body within the body timeout (reading sends 100 Continue, if the client asked). The
     * server keeps it within {@code maxBodyBytes}: a length announced past it was refused before the
     * route, and a chunk announced past it is refused here, before it is buffered. The stream is
     * closed only once read to its end: closing reads what is left, which after a refusal is what
     * {@code Connection: close} leaves unread.
     */
    private byte[] readBody(ServerRequest request) throws Refusal {
        ReadableEntity content = request.content();
        if (!content.hasEntity()) {
            return NO_BODY;
        }
        int max = settings.maxBodyBytes();
        // Helidon has refused a length that is no length, or one past the limit (maxPayloadSize).
        long announced = request.headers().contentLength().orElse(-1);
        ReadTimeouts.Watch watch = timeouts.watch();
        watch.arm(timeouts.bodyNanos());
        try {
            InputStream in = content.inputStream();
            byte[] body = announced >= 0 ? in.readNBytes((int) announced) : in.readAllBytes(); // chunked: Helidon
            // counts each chunk's announced size against the limit before it buffers the chunk
            if (body.length < announced) { // Helidon ends the stream, not the connection
                throw new Refusal(
                        400,
                        "BadRequest",
                        "the body ended after " + body.length + " of its " + announced + " announced bytes");
            }
            in.close(); // read to its end: closing marks it consumed, so the connection is kept
            return body;
        } catch (RequestException pastLimit) { // Helidon's own check, of a chunk's announced size
            if (pastLimit.status().code() == 413) {
                throw tooLarge(max);
            }
            throw malformedBody();
        } catch (IOException | RuntimeException unreadable) { // a lying length, bad chunks, a closed connection
            if (!watch.disarm()) { // cut off: the connection is closed, so this answer will not get through
                throw new Refusal(
                        408,
                        "RequestTimeout",
                        "the body did not arrive within the body" + " timeout of " + timeouts.bodyNanos() / 1_000_000
                                + " ms");
            }
            throw malformedBody();
        } finally {
            watch.disarm(); // a body read in time, or late but whole, is served: only a cut-off read is lost
        }
    }

    private static Refusal malformedBody() {
        return new Refusal(
                400,
                "BadRequest",
                "the body could not be read: it ended before its announced length,"
                        + " or its chunked encoding is malformed (chunk extensions and trailers are not taken)");
    }

    private static Refusal tooLarge(int max) {
        return new Refusal(413, "PayloadTooLarge", "the body is larger than the limit of " + max + " bytes");
    }

    private static Mode mode(String header) throws Refusal {
        if (header == null || header.equalsIgnoreCase("RequestResponse")) {
            return Mode.REQUEST_RESPONSE;
        }
        if (header.equalsIgnoreCase("Event")) {
            return Mode.EVENT;
        }
        if (header.equalsIgnoreCase("DryRun")) {
            return Mode.DRY_RUN;
        }
        throw new Refusal(
                400,
                "BadRequest",
                HttpTrigger.INVOCATION_TYPE_HEADER + " must be RequestResponse, Event or DryRun, but was '" + header
                        + "'");
    }

    private enum Mode {
        REQUEST_RESPONSE,
        EVENT,
        DRY_RUN
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
