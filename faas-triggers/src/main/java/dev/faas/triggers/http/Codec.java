package dev.faas.triggers.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binds a typed function's input from a request and writes its output: JSON by default, through
 * Jackson ({@link #jackson()}), or through the host's own mapper ({@link #jackson(ObjectMapper)}, or
 * an implementation of this interface). Implementations must be thread-safe.
 */
public interface Codec {

    /**
     * Reads a function's input.
     *
     * @param body the request's body; empty when it has none
     * @param parameters the request's path parameters, in the route's order, then its query
     *                   parameters (a path one wins over a query one of the same name): they fill the
     *                   fields a JSON object body does not set, and make the input when there is no
     *                   body; a scalar input (a string, number or boolean) is the first of them
     * @param type the function's input type
     * @param <T> the input type
     * @return the input
     * @throws IllegalArgumentException when the body is not the input: malformed, or of another
     *                                  shape; the message says what is wrong (it becomes a 400)
     */
    <T> T read(byte[] body, Map<String, String> parameters, Class<T> type);

    /**
     * Reads a function's input, knowing which parameters come from the path: the trigger calls this
     * one. A path parameter names the resource, so a body that contradicts it (a scalar body other
     * than the path's value, or an object body whose field of the same name holds another value)
     * must be refused rather than win; the {@linkplain #jackson() built-in codec} does. By default,
     * {@link #read(byte[], Map, Class)} with the path parameters first, then the query parameters.
     *
     * @param body the request's body; empty when it has none
     * @param pathParameters the route's path parameters, in the route's order
     * @param queryParameters the first value of each query parameter
     * @param type the function's input type
     * @param <T> the input type
     * @return the input
     * @throws IllegalArgumentException when the body is not the input, or contradicts the path
     */
    default <T> T read(
            byte[] body, Map<String, String> pathParameters, Map<String, String> queryParameters, Class<T> type) {
        Map<String, String> parameters = new LinkedHashMap<>(pathParameters);
        queryParameters.forEach(parameters::putIfAbsent);
        return read(body, parameters, type);
    }

    /**
     * Writes a function's output.
     *
     * @param value the output, not null
     * @return the response body
     */
    byte[] write(Object value);

    /** The {@code Content-Type} of what {@link #write} makes. */
    default String contentType() {
        return "application/json";
    }

    /**
     * JSON through a Jackson mapper made for it: java.time types as ISO-8601 text, unknown
     * properties ignored (a tolerant reader: query parameters the input does not have are fine).
     *
     * @return the codec
     */
    static Codec jackson() {
        return JacksonCodec.DEFAULT;
    }

    /**
     * JSON through the host's own mapper, configured as the host likes. Requests run on virtual
     * threads, which Jackson's default per-thread buffer pool never reuses: build the mapper's
     * factory with a shared pool ({@code JsonFactory.builder().recyclerPool(
     * JsonRecyclerPools.newConcurrentDequePool())}) to save ~16 KB of buffers per request.
     *
     * @param mapper the mapper
     * @return the codec
     */
    static Codec jackson(ObjectMapper mapper) {
        return new JacksonCodec(mapper);
    }
}
