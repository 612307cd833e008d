package dev.faas.triggers.http;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A library's message, such as Jackson's or the runtime's, made fit for a client: Java's names for
 * types become the names a JSON client knows, so a 400 says what to fix without showing the host's
 * code. Jackson quotes the types it names in backticks: inside those, packages and enclosing
 * classes go, and maps and lists become "object" and "array"; outside, only a fully qualified name
 * (two packages or more, as {@code com.example.Order}) is shortened, so a client's own text is left
 * as it was sent.
 */
final class ClientText {

    private static final Pattern QUOTED = Pattern.compile("`([^`]*)`");
    private static final Pattern QUALIFIED =
            Pattern.compile("(?<![\\w$.])(?:[a-z_]\\w*\\.){2,}(?:[A-Z]\\w*\\$)*([A-Z]\\w*)(?![\\w$])");
    private static final Pattern NAME_IN_QUOTES =
            Pattern.compile("(?<![\\w$.])(?:[a-z_]\\w*\\.)*(?:[A-Z]\\w*\\$)*([A-Z]\\w*)(?![\\w$])");
    private static final Pattern MAP = Pattern.compile("(?:java\\.util\\.)?(?:Linked|Hash|Tree|Sorted)*Map(?:<.*>)?");
    private static final Pattern LIST =
            Pattern.compile("(?:java\\.util\\.)?(?:Array|Linked)?(?:List|Collection|Set)(?:<.*>)?");
    private static final Pattern TOKEN = Pattern.compile("\\(token `JsonToken\\.(\\w+)`\\)");
    /** Jackson's pointer to the setting behind a limit: {@code from `StreamReadConstraints.getMaxNestingDepth()`}. */
    private static final Pattern SETTING = Pattern.compile(",? from `[\\w.]+\\(\\)`");

    private static final Map<String, String> TOKENS = Map.of(
            "START_ARRAY",
            "(an array)",
            "START_OBJECT",
            "(an object)",
            "VALUE_STRING",
            "(a string)",
            "VALUE_NUMBER_INT",
            "(a number)",
            "VALUE_NUMBER_FLOAT",
            "(a number)",
            "VALUE_TRUE",
            "(a boolean)",
            "VALUE_FALSE",
            "(a boolean)",
            "VALUE_NULL",
            "(null)");

    private ClientText() {}

    static String of(String message) {
        if (message == null) {
            return "";
        }
        String text = TOKEN.matcher(message)
                .replaceAll(token -> Matcher.quoteReplacement(TOKENS.getOrDefault(token.group(1), "(a JSON value)")));
        text = SETTING.matcher(text).replaceAll("");
        text = QUOTED.matcher(text).replaceAll(quoted -> Matcher.quoteReplacement("`" + type(quoted.group(1)) + "`"));
        return QUALIFIED.matcher(text).replaceAll("$1");
    }

    /** A type Jackson named, as a JSON client knows it. */
    private static String type(String name) {
        if (MAP.matcher(name).matches()) {
            return "object";
        }
        if (LIST.matcher(name).matches()) {
            return "array";
        }
        return NAME_IN_QUOTES.matcher(name).replaceAll("$1");
    }
}
