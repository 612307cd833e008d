package dev.faas.triggers.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percent-decoding of a request's path and query, with a 400 that says where an escape is wrong. */
final class UriDecoding {

    private UriDecoding() {}

    /** Decodes %XX escapes as UTF-8; unlike form decoding, a '+' stays a '+'. */
    static String percentDecode(String raw) throws Refusal {
        return decode(raw, false, "path");
    }

    /**
     * Decodes %XX escapes, and a '+' as a space if asked (as forms and query strings write it).
     * Bytes that are not UTF-8 become U+FFFD, as {@code new String} makes them.
     */
    private static String decode(String raw, boolean plusIsSpace, String where) throws Refusal {
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
                    throw new Refusal(
                            400,
                            "BadRequest",
                            "the " + where + " has a malformed escape '"
                                    + raw.substring(i, Math.min(i + 3, raw.length()))
                                    + "': a '%' must be followed by two"
                                    + " hex digits");
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

    @SuppressWarnings("StringSplitter") // empty pairs, trailing ones included, are skipped anyway
    static Map<String, List<String>> queryParameters(String rawQuery) throws Refusal {
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
}
