package dev.faas.triggers.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The hashes the triggers use, in hex: MD5 for etags (S3's), SHA-256 for deduplication and idempotency keys. */
public final class Digests {

    private Digests() {}

    /** The MD5 of {@code content}, as S3 gives an object put in one part as its etag. */
    public static String md5(byte[] content) {
        return HexFormat.of().formatHex(digest("MD5").digest(content));
    }

    /** The MD5 of what {@code in} holds, read to its end. */
    public static String md5(InputStream in) throws IOException {
        MessageDigest md5 = digest("MD5");
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = in.read(buffer)) >= 0) {
            md5.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /** The SHA-256 of {@code content}. */
    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(content));
    }

    /** The SHA-256 of the parts in UTF-8, each ended by a zero byte so that no two lists of parts hash alike. */
    public static String sha256Joined(String... parts) {
        MessageDigest sha = digest("SHA-256");
        for (String part : parts) {
            sha.update(part.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has " + algorithm, impossible);
        }
    }
}
