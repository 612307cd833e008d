package dev.faas.triggers.http;

import dev.faas.api.events.HttpResponseEvent;
import java.util.List;
import java.util.Map;

/** What a raw function's response must be for the trigger to send it. */
final class RawResponses {

    private RawResponses() {}

    /**
     * Checks a raw response.
     *
     * @return null if it can be sent, else what is wrong with it, for the log
     */
    static String check(HttpResponseEvent response) {
        if (response.status() < 200) {
            return "the status " + response.status() + " is informational (1xx), not a final response: use 200-599";
        }
        for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
            String name = header.getKey();
            if (!isToken(name)) {
                return "the header name " + Json.quote(name) + " is not an HTTP token";
            }
            List<String> values = header.getValue();
            for (String value : values) {
                if (!isFieldValue(value)) {
                    return "the value of header '" + name + "' holds a control character (such as CR or LF)";
                }
            }
            if (!values.isEmpty()
                    && !values.getFirst().isEmpty()
                    && values.getFirst().charAt(0) <= ' ') {
                return "the value of header '" + name + "' starts with a space or tab";
            }
        }
        return null;
    }

    /** Headers the server writes itself, from the body: a function's own would contradict them. */
    static boolean isFraming(String lowerCaseName) {
        return lowerCaseName.equals("content-length") || lowerCaseName.equals("transfer-encoding");
    }

    /** RFC 9110's token: the characters a header name may hold. */
    private static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110's field value: visible characters, spaces and tabs, and no CR, LF or other control. */
    static boolean isFieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF) {
                return false;
            }
        }
        return true;
    }
}
