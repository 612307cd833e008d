package dev.faas.triggers.objects;

/**
 * A key a store refuses: empty, too long, absolute, with an empty, {@code .} or {@code ..} segment,
 * a segment that starts with {@code .} (such names are the store's own), a backslash or a control
 * character, or one that would lead out of the store.
 */
public final class InvalidKeyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the key refused
     * @param why what is wrong with it, and so what to fix
     */
    public InvalidKeyException(String key, String why) {
        super("invalid object key '" + key + "': " + why);
        this.key = key;
    }

    /** The key refused. */
    public String key() {
        return key;
    }
}
