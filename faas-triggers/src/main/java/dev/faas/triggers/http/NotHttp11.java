package dev.faas.triggers.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * Connections whose first line is not an HTTP/1.1 request line: garbage, HTTP/1.0, a TLS hello.
 * Helidon's server closes them without a word; these answer them in the trigger's error shape
 * first (505 for HTTP/1.0, 400 for anything else), then close. Asked before the HTTP/1.1
 * selector, this one claims only the connections that selector would refuse.
 */
final class NotHttp11 implements ServerConnectionSelector {

    private static final byte LF = '\n';

    private final int maxRequestLineBytes;

    NotHttp11(int maxRequestLineBytes) {
        this.maxRequestLineBytes = maxRequestLineBytes;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        int lf = data.indexOf(LF);
        if (lf < 0) { // a line too long is HTTP/1.1's to refuse (414), a short one may still be HTTP/1.1
            return data.available() > maxRequestLineBytes ? Support.UNSUPPORTED : Support.UNKNOWN;
        }
        return data.readString(lf).endsWith(" HTTP/1.1\r") ? Support.UNSUPPORTED : Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return new Refusal(ctx);
    }

    /** Answers the one request line, and ends. */
    private static final class Refusal implements ServerConnection {
        private final ConnectionContext ctx;

        Refusal(ConnectionContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void handle(io.helidon.common.concurrency.limits.Limit limit) {
            DataReader reader = ctx.dataReader();
            BufferData received = reader.getBuffer(reader.available()); // holds the line supports() saw
            String line = received.readString(Math.max(0, received.indexOf(LF))).strip();
            boolean http10 = line.endsWith(" HTTP/1.0");
            String requestId = RequestHandler.newRequestId();
            String body = http10
                    ? RequestHandler.errorBody("HTTPVersionNotSupported", "this server speaks HTTP/1.1 only", requestId)
                    : RequestHandler.errorBody("BadRequest", "the request line is not 'METHOD /path HTTP/1.1'",
                            requestId);
            byte[] entity = body.getBytes(StandardCharsets.UTF_8);
            String head = (http10 ? "HTTP/1.1 505 HTTP Version Not Supported" : "HTTP/1.1 400 Bad Request") + "\r\n"
                    + "Content-Type: application/json\r\n"
                    + HttpTrigger.REQUEST_ID_HEADER + ": " + requestId + "\r\n"
                    + "Content-Length: " + entity.length + "\r\n"
                    + "Connection: close\r\n\r\n";
            BufferData response = BufferData.growing(head.length() + entity.length);
            response.write(head.getBytes(StandardCharsets.US_ASCII));
            response.write(entity);
            ctx.dataWriter().writeNow(response);
        }

        @Override
        public Duration idleTime() {
            return Duration.ZERO;
        }

        @Override
        public void close(boolean interrupt) {
        }
    }
}
