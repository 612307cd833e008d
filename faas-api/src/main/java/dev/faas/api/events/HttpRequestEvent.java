package dev.faas.api.events;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP request, as the HTTP trigger hands it to a function that takes the raw request.
 *
 * @param requestId the id the trigger gave the request, for the host's own logs; the response's
 *     {@code X-Faas-Request-Id} carries the invocation's id ({@code context.requestId()}), which the
 *     REPORT line and the ledger use, and carries this one only when no function ran
 * @param method the method, upper case ({@code GET}, {@code POST}, ...)
 * @param path the path, without the query string
 * @param pathParameters values of the route's {@code {name}} segments
 * @param queryParameters the query string's parameters, each with its values in order
 * @param headers the headers, names in lower case, each with its values in order
 * @param body the body's bytes; empty when there is none
 * @param sourceAddress the client's address ({@code host:port})
 */
@SuppressWarnings("ArrayRecordComponent") // the body is cloned in and out, and equals compares it
public record HttpRequestEvent(
        String requestId,
        String method,
        String path,
        Map<String, String> pathParameters,
        Map<String, List<String>> queryParameters,
        Map<String, List<String>> headers,
        byte[] body,
        String sourceAddress) {

    /** Checks that no component is null, lower-cases header names, and copies the collections. */
    public HttpRequestEvent {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        pathParameters = Map.copyOf(pathParameters);
        queryParameters = copy(queryParameters);
        Map<String, List<String>> lowerCase = new TreeMap<>();
        headers.forEach((name, values) -> lowerCase.merge(
                name.toLowerCase(Locale.ROOT),
                List.copyOf(values),
                (first, more) -> java.util.stream.Stream.concat(first.stream(), more.stream())
                        .toList()));
        headers = copy(lowerCase);
        body = body.clone();
        Objects.requireNonNull(sourceAddress, "sourceAddress");
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> multimap) {
        Map<String, List<String>> copy = new TreeMap<>();
        multimap.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        return java.util.Collections.unmodifiableMap(copy);
    }

    /** The body's bytes (a copy). */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * A header's first value.
     *
     * @param name the header's name, in any case
     * @return its first value, if the request has it
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /**
     * A query parameter's first value.
     *
     * @param name the parameter's name
     * @return its first value, if the request has it
     */
    public Optional<String> queryParameter(String name) {
        List<String> values = queryParameters.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /**
     * A path parameter's value.
     *
     * @param name the name of the route's {@code {name}} segment
     * @return its value, if the route has it
     */
    public Optional<String> pathParameter(String name) {
        return Optional.ofNullable(pathParameters.get(name));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HttpRequestEvent that
                && requestId.equals(that.requestId)
                && method.equals(that.method)
                && path.equals(that.path)
                && pathParameters.equals(that.pathParameters)
                && queryParameters.equals(that.queryParameters)
                && headers.equals(that.headers)
                && java.util.Arrays.equals(body, that.body)
                && sourceAddress.equals(that.sourceAddress);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                requestId,
                method,
                path,
                pathParameters,
                queryParameters,
                headers,
                java.util.Arrays.hashCode(body),
                sourceAddress);
    }

    @Override
    public String toString() {
        return "HttpRequestEvent[" + method + " " + path + ", " + body.length + " bytes, request " + requestId + "]";
    }
}
