package dev.faas.triggers.objects;

import dev.faas.triggers.internal.Utf8;
import org.jspecify.annotations.Nullable;

/**
 * The keys a store takes, the same for every store so that a key means one object wherever it goes:
 * 1 to 1,024 bytes of UTF-8 (S3's limit), '/'-separated segments, none empty, {@code .} or
 * {@code ..}, none starting with {@code .} (those names are a store's own: temporary files, state),
 * and no backslash, control character or leading '/'. So a key cannot name a path outside a
 * directory store, whatever the platform.
 */
public final class ObjectKeys {

    /** S3's longest key, in bytes of UTF-8. */
    public static final int MAX_KEY_BYTES = 1024;

    private ObjectKeys() {}

    /**
     * Checks a key.
     *
     * @param key the key
     * @return the key
     * @throws InvalidKeyException saying what is wrong with it
     */
    public static String check(String key) {
        String why = problem(key);
        if (why != null) {
            throw new InvalidKeyException(String.valueOf(key), why);
        }
        return key;
    }

    /**
     * Checks a prefix: empty, or the start of a key that could be valid.
     *
     * @param prefix the prefix
     * @return the prefix
     * @throws InvalidKeyException saying what is wrong with it
     */
    public static String checkPrefix(String prefix) {
        if (prefix == null) {
            throw new InvalidKeyException("null", "a prefix must not be null: use \"\" for every key");
        }
        if (!prefix.isEmpty()) {
            String why = problem(prefix + "x"); // a prefix ending in '/' or mid-segment is the start of some key
            if (why != null) {
                throw new InvalidKeyException(prefix, "as a prefix: " + why);
            }
        }
        return prefix;
    }

    /** Whether {@code key} is one every store takes. */
    public static boolean isValid(String key) {
        return problem(key) == null;
    }

    private static @Nullable String problem(@Nullable String key) {
        if (key == null || key.isEmpty()) {
            return "a key must not be empty";
        }
        if (Utf8.length(key) > MAX_KEY_BYTES) {
            return "a key is at most " + MAX_KEY_BYTES + " bytes of UTF-8";
        }
        if (key.charAt(0) == '/') {
            return "a key must not start with '/': keys are relative to the store";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\') {
                return "a key separates its segments with '/', and must not hold a '\\'";
            }
            if (Character.isISOControl(c)) {
                return "a key must not hold a control character (at " + i + ")";
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++; // a pair: one character
            } else if (Character.isSurrogate(c)) {
                return "a key must be text that UTF-8 can hold, but has an unpaired surrogate (at " + i + ")";
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                return "a key must not have an empty segment ('//', or a '/' at its end)";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "a key must not have a '" + segment + "' segment";
            }
            if (segment.charAt(0) == '.') {
                return "a key's segments must not start with '.' ('" + segment + "'): such names are the store's own";
            }
        }
        return null;
    }
}
