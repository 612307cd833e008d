package dev.faas.triggers.http;

import dev.faas.api.InvalidConfigException;
import dev.faas.api.events.HttpRequestEvent;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decides whether a request may reach a route's function: checked before the body is read (or,
 * for one that {@link #readsBody() reads it}, before it is bound) and before anything runs. A refusal answers 401 (no valid credentials, with a {@code WWW-Authenticate}
 * challenge) or 403 (credentials that prove nothing, or not enough). Implementations must be
 * thread-safe; they run on the request's thread.
 */
@FunctionalInterface
public interface Authenticator {

    /** What an authenticator decided. */
    enum Result {
        /** The request goes on to the function. */
        ALLOWED,
        /** 401: the request carries no valid credentials. */
        UNAUTHENTICATED,
        /** 403: the request's credentials do not allow it. */
        FORBIDDEN
    }

    /**
     * Checks a request.
     *
     * @param request the request, headers and body included
     * @return the decision
     */
    Result authenticate(HttpRequestEvent request);

    /**
     * Whether {@link #authenticate} reads the body. One that does not is asked before the body is
     * read, so that a refused client cannot make the trigger buffer it; its request's body is empty.
     */
    default boolean readsBody() {
        return true;
    }

    /** The {@code WWW-Authenticate} challenge a 401 carries. */
    default String challenge() {
        return "Bearer";
    }

    /**
     * Allows requests whose {@code Authorization} header is {@code Bearer <token>} with one of these
     * tokens, compared in constant time; any other request is UNAUTHENTICATED.
     *
     * @param tokens the accepted tokens, at least one, none blank
     * @return the authenticator
     * @throws InvalidConfigException if there is no token, or a blank one
     */
    static Authenticator bearerToken(String... tokens) {
        if (tokens.length == 0 || Arrays.stream(tokens).anyMatch(token -> token == null || token.isBlank())) {
            throw new InvalidConfigException(
                    "tokens",
                    "bearerToken needs at least one token, none of them blank," + " but was given " + tokens.length
                            + (tokens.length == 0 ? "" : ", one or more blank or null"));
        }
        List<byte[]> accepted = Arrays.stream(tokens)
                .map(token -> token.getBytes(StandardCharsets.UTF_8))
                .toList();
        return new Authenticator() {
            @Override
            public Result authenticate(HttpRequestEvent request) {
                Optional<String> header = request.header("Authorization");
                if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
                    return Result.UNAUTHENTICATED;
                }
                byte[] presented = header.get().substring(7).trim().getBytes(StandardCharsets.UTF_8);
                boolean match = false;
                for (byte[] token : accepted) {
                    match |= MessageDigest.isEqual(token, presented); // no early exit: constant time per token
                }
                return match ? Result.ALLOWED : Result.UNAUTHENTICATED;
            }

            @Override
            public boolean readsBody() {
                return false;
            }
        };
    }

    /**
     * Allows requests that carry, in {@code header}, the HMAC-SHA256 of their body under this secret,
     * as hex and optionally prefixed {@code sha256=} (the way webhook senders sign). A request without
     * the header is UNAUTHENTICATED; one with a wrong signature FORBIDDEN.
     *
     * @param secret the shared secret, at least 16 bytes
     * @param header the header that carries the signature, such as {@code X-Signature-256}
     * @return the authenticator
     * @throws InvalidConfigException if the secret is shorter than 16 bytes
     */
    static Authenticator hmacSha256(byte[] secret, String header) {
        Objects.requireNonNull(header, "header");
        if (secret == null || secret.length < 16) {
            throw new InvalidConfigException(
                    "secret",
                    "hmacSha256 needs a secret of at least 16 bytes, but was "
                            + (secret == null ? "null" : secret.length + " bytes"));
        }
        SecretKeySpec key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        return new Authenticator() {
            @Override
            public Result authenticate(HttpRequestEvent request) {
                Optional<String> signature = request.header(header);
                if (signature.isEmpty()) {
                    return Result.UNAUTHENTICATED;
                }
                String hex = signature.get().trim();
                if (hex.regionMatches(true, 0, "sha256=", 0, 7)) {
                    hex = hex.substring(7);
                }
                byte[] presented;
                try {
                    presented = HexFormat.of().parseHex(hex);
                } catch (IllegalArgumentException notHex) {
                    return Result.FORBIDDEN;
                }
                return MessageDigest.isEqual(sign(request.body()), presented) ? Result.ALLOWED : Result.FORBIDDEN;
            }

            @Override
            public String challenge() {
                return "HMAC-SHA256 header=\"" + header + "\"";
            }

            private byte[] sign(byte[] body) {
                try {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(key);
                    return mac.doFinal(body);
                } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                    throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
                }
            }
        };
    }
}
