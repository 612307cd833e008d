package dev.faas.api.events;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The HTTP response a function that takes the raw request returns to the HTTP trigger.
 *
 * <pre>{@code
 * return HttpResponseEvent.of(201, "{\"id\":42}").withHeader("Content-Type", "application/json");
 * }</pre>
 *
 * @param status the status code, 100 to 599
 * @param headers the headers, names in lower case, each with its values in order
 * @param body the body's bytes; empty for none
 */
@SuppressWarnings("ArrayRecordComponent") // the body is cloned in and out, and equals compares it
public record HttpResponseEvent(int status, Map<String, List<String>> headers, byte[] body) {

    /** Checks the status, lower-cases header names, and copies the collections. */
    public HttpResponseEvent {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("an HTTP status must be between 100 and 599, but was " + status);
        }
        Map<String, List<String>> lowerCase = new TreeMap<>();
        headers.forEach((name, values) -> lowerCase.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        headers = java.util.Collections.unmodifiableMap(lowerCase);
        body = body.clone();
    }

    /**
     * A response with a UTF-8 text body and no headers.
     *
     * @param status the status code
     * @param body the body text
     * @return the response
     */
    public static HttpResponseEvent of(int status, String body) {
        return new HttpResponseEvent(status, Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A response with this header added (after the values it already has).
     *
     * @param name the header's name
     * @param value its value
     * @return the new response
     */
    public HttpResponseEvent withHeader(String name, String value) {
        Objects.requireNonNull(value, "value");
        Map<String, List<String>> more = new TreeMap<>(headers);
        List<String> values = new ArrayList<>(more.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
        values.add(value);
        more.put(name.toLowerCase(Locale.ROOT), values);
        return new HttpResponseEvent(status, more, body);
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

    @Override
    public boolean equals(Object other) {
        return other instanceof HttpResponseEvent that
                && status == that.status
                && headers.equals(that.headers)
                && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "HttpResponseEvent[" + status + ", " + body.length + " bytes]";
    }
}
