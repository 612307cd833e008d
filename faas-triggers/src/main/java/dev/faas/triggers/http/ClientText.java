package dev.faas.triggers.http;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A library's message, such as Jackson's or the runtime's, made fit for a client: Java's names for
 * types (packages, enclosing classes, collection classes, Jackson's token names) become the names
 * a JSON client knows, so a 400 says what to fix without showing the host's code.
 */
final class ClientText {

    private static final Pattern PACKAGES = Pattern.compile("\\b(?:[a-z_]\\w*\\.)+([A-Z][\\w$]*)");
    private static final Pattern ENCLOSING = Pattern.compile("\\b(?:[A-Z]\\w*\\$)+([A-Z]\\w*)");
    private static final Pattern MAPS = Pattern.compile("\\b(?:Linked)?(?:Hash|Tree)?Map(?:<[^>]*>)?");
    private static final Pattern LISTS = Pattern.compile("\\b(?:Array|Linked)?List(?:<[^>]*>)?");
    private static final Pattern TOKEN = Pattern.compile("\\(token `JsonToken\\.(\\w+)`\\)");
    /** Jackson's pointer to the setting behind a limit: {@code from `StreamReadConstraints.getMaxNestingDepth()`}. */
    private static final Pattern SETTING = Pattern.compile(",? from `[\\w.]+\\(\\)`");
    private static final Map<String, String> TOKENS = Map.of("START_ARRAY", "(an array)",
            "START_OBJECT", "(an object)", "VALUE_STRING", "(a string)", "VALUE_NUMBER_INT", "(a number)",
            "VALUE_NUMBER_FLOAT", "(a number)", "VALUE_TRUE", "(a boolean)", "VALUE_FALSE", "(a boolean)",
            "VALUE_NULL", "(null)");

    private ClientText() {
    }

    static String of(String message) {
        if (message == null) {
            return "";
        }
        String text = PACKAGES.matcher(message).replaceAll("$1");
        text = ENCLOSING.matcher(text).replaceAll("$1");
        text = MAPS.matcher(text).replaceAll("object");
        text = LISTS.matcher(text).replaceAll("array");
        text = SETTING.matcher(text).replaceAll("");
        Matcher token = TOKEN.matcher(text);
        return token.replaceAll(found -> Matcher.quoteReplacement(TOKENS.getOrDefault(found.group(1), "")));
    }
}
