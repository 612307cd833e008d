package dev.faas.triggers.internal;

/** UTF-8 sizes, for the limits the triggers check (a message's bytes, a key's). */
public final class Utf8 {

    private Utf8() {}

    /** The size of {@code text} in UTF-8, counted without encoding it; an unpaired surrogate counts as its '?'. */
    public static int length(String text) {
        int length = text.length();
        int bytes = length;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes++;
                } else if (Character.isHighSurrogate(c)
                        && i + 1 < length
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    bytes += 2; // four bytes for the pair's two chars
                    i++;
                } else if (!Character.isSurrogate(c)) {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }
}
