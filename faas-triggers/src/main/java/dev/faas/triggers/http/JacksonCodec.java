package dev.faas.triggers.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** {@link Codec} over a Jackson mapper. */
final class JacksonCodec implements Codec {

    // Jackson's default pool keeps buffers per thread, which a virtual thread per request never
    // reuses: every call would allocate ~16 KB of fresh buffers. A shared pool reuses them.
    static final JacksonCodec DEFAULT = new JacksonCodec(JsonMapper.builder(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
                    .build())
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build());

    private final ObjectMapper mapper;

    JacksonCodec(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    @Override
    public <T> T read(byte[] body, Map<String, String> parameters, Class<T> type) {
        return read(body, Map.of(), parameters, type);
    }

    /**
     * Reads the input; the path parameters, then the query parameters, fill what a JSON object body
     * leaves out, and a body that contradicts a path parameter is refused: the path names the
     * resource, and neither may silently replace the other.
     */
    @Override
    public <T> T read(
            byte[] body, Map<String, String> pathParameters, Map<String, String> queryParameters, Class<T> type) {
        try {
            if (body.length == 0) {
                Map<String, String> parameters = new LinkedHashMap<>(pathParameters);
                queryParameters.forEach(parameters::putIfAbsent);
                return fromParameters(parameters, type);
            }
            if (pathParameters.isEmpty() && queryParameters.isEmpty()) {
                return mapper.readValue(body, type);
            }
            JsonNode tree = mapper.readTree(body);
            if (tree instanceof ObjectNode object) {
                for (Map.Entry<String, String> path : pathParameters.entrySet()) {
                    JsonNode field = object.get(path.getKey());
                    if (field == null) {
                        object.put(path.getKey(), path.getValue());
                    } else if (!sameValue(field, path.getValue())) {
                        throw conflict("the body's field '" + path.getKey() + "' is " + field, path);
                    }
                }
                queryParameters.forEach((name, value) -> {
                    if (!object.has(name)) {
                        object.put(name, value);
                    }
                });
            } else if (isScalar(type) && !pathParameters.isEmpty()) {
                Map.Entry<String, String> first =
                        pathParameters.entrySet().iterator().next();
                if (!sameValue(tree, first.getValue())) {
                    throw conflict("the body is " + tree, first);
                }
            }
            return mapper.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(describe(e, type), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body could not be read: " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException conflict(String body, Map.Entry<String, String> path) {
        return new IllegalArgumentException(body + ", but the path gives " + path.getKey() + " = \"" + path.getValue()
                + "\": the path names what is asked for; leave it out of the body, or send the same value");
    }

    /** Whether a JSON value says what the path's text says: numbers by value (1.50 is 1.5), the rest as text. */
    private static boolean sameValue(JsonNode value, String path) {
        if (!value.isValueNode()) {
            return false;
        }
        if (value.isNumber()) {
            try {
                return value.decimalValue().compareTo(new BigDecimal(path)) == 0;
            } catch (NumberFormatException notANumber) {
                return false;
            }
        }
        return value.asText().equals(path);
    }

    private static boolean isScalar(Class<?> type) {
        return type == String.class || Number.class.isAssignableFrom(type) || type == Boolean.class;
    }

    /** No body: the input is made of the parameters, or is the first of them for a scalar input. */
    private <T> T fromParameters(Map<String, String> parameters, Class<T> type) {
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("the request has no body, but the function takes " + type.getSimpleName()
                    + ": send it as JSON in the body");
        }
        try {
            if (isScalar(type)) { // GET /prices/{item}?currency=EUR: the item
                return mapper.convertValue(parameters.values().iterator().next(), type);
            }
            return mapper.convertValue(parameters, type);
        } catch (IllegalArgumentException e) {
            Throwable cause = e.getCause() instanceof JsonProcessingException processing ? processing : e;
            throw new IllegalArgumentException(
                    "the parameters " + parameters.keySet() + " do not make a "
                            + type.getSimpleName() + ": "
                            + withoutPackages(
                                    cause instanceof JsonProcessingException processing
                                            ? processing.getOriginalMessage()
                                            : cause.getMessage()),
                    e);
        }
    }

    private static String describe(JacksonException e, Class<?> type) {
        String what =
                e instanceof JsonProcessingException processing ? processing.getOriginalMessage() : e.getMessage();
        StringBuilder at = new StringBuilder();
        if (e instanceof JsonMappingException mapping) {
            for (JsonMappingException.Reference step : mapping.getPath()) {
                at.append(step.getFieldName() != null ? "." + step.getFieldName() : "[" + step.getIndex() + "]");
            }
        }
        return "the body is not valid JSON for " + type.getSimpleName() + (at.isEmpty() ? "" : " at $" + at) + ": "
                + withoutPackages(what);
    }

    /** Jackson names types as Java does: the client needs the names JSON knows, not the host's layout. */
    private static String withoutPackages(String message) {
        return ClientText.of(message);
    }

    @Override
    public byte[] write(Object value) {
        if (this == DEFAULT && value instanceof String text) { // the commonest output, written as Jackson would
            return Json.quote(text).getBytes(StandardCharsets.UTF_8);
        }
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "the output " + value.getClass().getName() + " could not be written as" + " JSON: "
                            + e.getOriginalMessage(),
                    e);
        }
    }
}
