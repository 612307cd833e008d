package dev.faas.triggers.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.events.HttpRequestEvent;
import dev.faas.api.events.HttpResponseEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trigger on the wire: raw bytes on a loopback socket, as a broken, slow or hostile client
 * sends them. Every answer is the trigger's JSON error shape with a request id and the right
 * status, names no Java type, and leaves the server healthy with nothing counted in flight.
 */
final class HttpWireTest {

    /** A typed route's input. */
    record Order(String id, int quantity) {}

    private static final String TOKEN = "let-me-in";

    private FaasRuntime runtime;
    private HttpTrigger trigger;
    private final List<HttpTrigger> extraTriggers = new ArrayList<>();
    private boolean closedByTest;

    @BeforeEach
    void start() {
        runtime = FaasRuntime.builder().reportLog(false).build();
        runtime.deploy(FunctionSpec.of("hello", Void.class, String.class, () -> (input, context) -> "hello"));
        runtime.deploy(FunctionSpec.of(
                "order", Order.class, String.class, () -> (order, context) -> order.id() + " x" + order.quantity()));
        runtime.deploy(FunctionSpec.of(
                "raw", HttpRequestEvent.class, HttpResponseEvent.class, () -> (request, context) -> response(request)));
        runtime.deploy(FunctionSpec.of(
                "upload",
                HttpRequestEvent.class,
                String.class,
                () -> (request, context) -> request.body().length + " bytes"));
        runtime.deploy(FunctionSpec.of("tree", Object.class, String.class, () -> (tree, context) -> "parsed"));
        trigger = HttpTrigger.builder()
                .route("GET", "/hello", "hello")
                .route("POST", "/orders", "order")
                .route("GET", "/raw/{kind}", "raw")
                .route("POST", "/upload", "upload")
                .route("POST", "/private", "upload", Authenticator.bearerToken(TOKEN))
                .route("GET", "/private", "hello", Authenticator.bearerToken(TOKEN))
                .maxBodyBytes(1024)
                .maxHeaderBytes(2048)
                .maxHeaders(20)
                .build();
        runtime.addTrigger(trigger);
    }

    /** What the raw function answers, by the path's kind: the function's mistakes among them. */
    private static HttpResponseEvent response(HttpRequestEvent request) {
        String kind = request.pathParameter("kind").orElseThrow();
        return switch (kind) {
            case "continue" -> new HttpResponseEvent(100, Map.of(), new byte[0]);
            case "switching" -> new HttpResponseEvent(101, Map.of(), new byte[0]);
            case "crlf" -> HttpResponseEvent.of(200, "x").withHeader("X-Split", "a\r\nSet-Cookie: stolen=1");
            case "lf" -> HttpResponseEvent.of(200, "x").withHeader("X-Split", "a\nb");
            case "badname" -> HttpResponseEvent.of(200, "x").withHeader("X Bad:Name", "v");
            case "length" -> HttpResponseEvent.of(200, "twelve bytes").withHeader("Content-Length", "3");
            case "padded" -> HttpResponseEvent.of(200, "x").withHeader("X-Padded", "  padded  ");
            case "reset" -> HttpResponseEvent.of(205, "a body 205 must not have");
            case "host" ->
                HttpResponseEvent.of(200, "host " + request.header("Host").orElse("?"));
            case "announced" -> new HttpResponseEvent(200, Map.of("Content-Length", List.of("1234")), new byte[0]);
            default -> HttpResponseEvent.of(200, "ok " + kind).withHeader("X-Kind", kind);
        };
    }

    @AfterEach
    void stop() {
        try {
            for (HttpTrigger extra : extraTriggers) {
                awaitIdle(extra);
            }
            awaitIdle(trigger);
            if (!closedByTest) {
                assertHealthy(trigger);
            }
        } finally {
            runtime.close();
        }
    }

    // ---- the server's own refusals ----

    @Test
    void answersAGarbageRequestLineWith400() throws IOException {
        assertError(exchange("GARBAGE\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("\u0000\u0001\u0002\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("GET\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("GET /hello HTTP/1.1 extra\r\nHost: x\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("GET /hello HTTP/9.9\r\nHost: x\r\n\r\n"), 400, "BadRequest");
    }

    @Test
    void answersAnHttp10RequestWith505() throws IOException {
        assertError(exchange("GET /hello HTTP/1.0\r\n\r\n"), 505, "HTTPVersionNotSupported");
    }

    @Test
    void answersBadPercentEscapesWith400NamingWhere() throws IOException {
        Response path = exchange("GET /he%zzllo HTTP/1.1\r\nHost: x\r\n\r\n");
        assertError(path, 400, "BadRequest");
        assertThat(path.message())
                .isEqualTo("the path has a malformed escape '%zz': a '%' must be followed by two" + " hex digits");
        Response query = exchange("GET /hello?q=%4 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertError(query, 400, "BadRequest");
        assertThat(query.message()).contains("Query").contains("% encoding"); // Helidon's own words
    }

    @Test
    void answersHeadersPastTheByteLimitWith431() throws IOException {
        Response response = exchange("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(4000) + "\r\n\r\n");
        assertError(response, 431, "RequestHeaderFieldsTooLarge");
        assertThat(response.message()).contains("2048 bytes");
    }

    @Test
    void answersTooManyHeadersWith431() throws IOException {
        StringBuilder request = new StringBuilder("GET /hello HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 25; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }
        Response response = exchange(request.append("\r\n").toString());
        assertError(response, 431, "RequestHeaderFieldsTooLarge");
        assertThat(response.message()).contains("limit of 20");
        Response repeated = exchange("GET /hello HTTP/1.1\r\nHost: x\r\n" + "X-Same: v\r\n".repeat(25) + "\r\n");
        assertError(repeated, 431, "RequestHeaderFieldsTooLarge"); // lines count, not names
    }

    @Test
    void answersARequestLineTooLongWith414() throws IOException {
        assertError(exchange("GET /" + "a".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414, "URITooLong");
    }

    @Test
    void answersWhatHelidonsParserCannotTakeWith400AndNoWarning() throws IOException {
        try (JulWarnings helidon = new JulWarnings()) {
            for (String request :
                    List.of("G@T /hello HTTP/1.1\r\nHost: x\r\n\r\n", "GET\t/hello HTTP/1.1\r\nHost: x\r\n\r\n")) {
                try (Socket socket = connect(trigger)) {
                    send(socket, request);
                    assertError(read(socket.getInputStream()), 400, "BadRequest");
                    readAll(socket.getInputStream()); // until the server is done: Helidon logs after it writes
                }
            }
            try (Socket socket = connect(trigger)) { // the stream ends mid-headers
                send(socket, "GET /hello HTTP/1.1\r\nHost: x\r\n");
                socket.shutdownOutput();
                readAll(socket.getInputStream());
            }
            assertThat(helidon.warnings()).isEmpty();
        }
    }

    @Test
    void answersATargetThatIsNoPathWith400AndTakesAnAbsoluteOne() throws IOException {
        assertError(exchange("GET hello HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("GET /hel\u0000lo HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("GET /hello HTTP/1.1\r\nHost: x\r\n: nameless\r\n\r\n"), 400, "BadRequest");
        Response absolute = exchange("GET HTTP://target.example/raw/host?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(absolute.status()).isEqualTo(200);
        assertThat(absolute.body()).isEqualTo("host target.example"); // the target's authority, not Host
        assertError(exchange("GET ftp://x/hello HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "BadRequest");
    }

    @Test
    void answersAHeadRequestWithTheLengthOfTheGetAndNoBody() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            Response head = read(socket.getInputStream(), true);
            assertThat(head.header("content-length")).isEqualTo("7");
            Response get = read(socket.getInputStream()); // right after the head: no body came between
            assertThat(get.body()).isEqualTo("\"hello\"");
        }
    }

    @Test
    void keepsTheLengthARawFunctionAnnouncesForAHeadRequest() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "HEAD /raw/announced HTTP/1.1\r\nHost: x\r\n\r\nGET /raw/next HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(read(socket.getInputStream(), true).header("content-length"))
                    .isEqualTo("1234");
            assertThat(read(socket.getInputStream()).body()).isEqualTo("ok next");
        }
    }

    @Test
    void writesAReasonPhraseForEveryStatus() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(4000) + "\r\n\r\n");
            assertThat(readLine(socket.getInputStream())).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
        }
    }

    @Test
    void answersMalformedHeadersWith400() throws IOException {
        assertError(exchange("GET /hello HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("GET /hello HTTP/1.1\r\nHost: x\r\nX-A: b\nInjected: c\r\n\r\n"), 400, "BadRequest");
        assertError(exchange("GET /hello HTTP/1.1\r\n\r\n"), 400, "BadRequest"); // HTTP/1.1 needs a Host
        assertError(exchange("GET /hello HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"), 400, "BadRequest");
    }

    // ---- bodies ----

    @Test
    void answersAContentLengthThatIsNotALengthWith400() throws IOException {
        assertError(
                exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n0123456789"),
                400,
                "BadRequest");
        assertError(exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), 400, "BadRequest");
    }

    @Test
    void answersBothContentLengthAndChunkedWith400() throws IOException {
        assertError(
                exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                400,
                "BadRequest");
    }

    @Test
    void readsAChunkedBody() throws IOException {
        Response response = exchange("POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "8\r\n{\"id\":\"a\r\n" + "f\r\n\",\"quantity\":3}\r\n" + "0\r\n\r\n");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("\"a x3\"");
    }

    @Test
    void closesTheConnectionAfterAChunkedBodySoNothingHiddenInItIsTakenForARequest() throws IOException {
        // Helidon skips the two bytes after each chunk's data without looking at them.
        try (Socket socket = connect(trigger)) {
            send(
                    socket,
                    "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "3\r\nabcXX0\r\n\r\nGET /raw/SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n");
            Response first = read(socket.getInputStream());
            assertThat(first.header("connection")).isEqualTo("close");
            assertThat(readAll(socket.getInputStream())).doesNotContain("SMUGGLED");
        }
    }

    @Test
    void refusesAChunkAnnouncedPastTheLimitBeforeReadingIt() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\nabc");
            Response response = read(socket.getInputStream()); // at once: the 2 GB chunk is never waited for
            assertError(response, 413, "PayloadTooLarge");
        }
    }

    @Test
    void refusesChunkExtensionsTrailersAndALeadingEmptyLineWith400() throws IOException {
        // Helidon takes none of these, which HTTP/1.1 allows: refused plainly, never misread.
        Response extension = exchange("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\nabc\r\n0\r\n\r\n");
        assertError(extension, 400, "BadRequest");
        assertThat(extension.message()).contains("chunk extensions and trailers are not taken");
        assertError(
                exchange("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nabc\r\n0\r\nX-Trailer: v\r\n\r\n"),
                400,
                "BadRequest");
        assertError(exchange("\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "BadRequest");
    }

    @Test
    void refusesABodyAnnouncedPastTheLimitBeforeRoutingOrAuthentication() throws IOException {
        assertError(
                exchange("POST /private HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"), 413, "PayloadTooLarge");
        assertError(
                exchange("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"), 413, "PayloadTooLarge");
        assertError(
                exchange("POST /private HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"),
                401,
                "Unauthorized"); // within the limit: the route's authenticator answers
    }

    @Test
    void answersMalformedChunksWith400() throws IOException {
        assertError(
                exchange("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "zz\r\nhello\r\n0\r\n\r\n"),
                400,
                "BadRequest");
    }

    @Test
    void answersAChunkedBodyPastTheLimitWith413AndReadsNoMore() throws IOException {
        String chunk = Integer.toHexString(600) + "\r\n" + "a".repeat(600) + "\r\n";
        Response response = exchange("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk
                + chunk + chunk + "0\r\n\r\n");
        assertError(response, 413, "PayloadTooLarge");
        assertThat(response.header("connection")).isEqualTo("close");
    }

    @Test
    void answersAnAnnouncedBodyPastTheLimitWith413BeforeReadingIt() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
            Response response = read(socket.getInputStream()); // answered though not one body byte was sent
            assertError(response, 413, "PayloadTooLarge");
            assertThat(response.header("connection")).isEqualTo("close");
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void answersABodyShorterThanItsLengthWith400() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this");
            socket.shutdownOutput(); // the client says no more is coming
            Response response = read(socket.getInputStream());
            assertError(response, 400, "BadRequest");
        }
    }

    @Test
    void takesBytesPastTheAnnouncedLengthForTheNextRequest() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGARBAGE\r\n\r\n");
            Response first = read(socket.getInputStream());
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("\"3 bytes\"");
            assertError(read(socket.getInputStream()), 400, "BadRequest");
        }
    }

    @Test
    void answersDeeplyNestedJsonWith400() throws IOException {
        HttpTrigger roomy = extra(HttpTrigger.builder()
                .name("roomy")
                .route("POST", "/tree", "tree")
                .route("GET", "/hello", "hello"));
        String nested = "[".repeat(100_000) + "]".repeat(100_000);
        Response response = exchange(roomy, post("/tree", nested));
        assertError(response, 400, "BadRequest");
        assertThat(response.message()).contains("nesting depth").doesNotContain("StreamReadConstraints");
    }

    // ---- authentication ----

    @Test
    void answersExpectContinueOnlyAfterTheTokenIsChecked() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "POST /private HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            Response refused = read(socket.getInputStream());
            assertError(refused, 401, "Unauthorized"); // no 100 Continue came first: the body was never asked for
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket socket = connect(trigger)) {
            send(
                    socket,
                    "POST /private HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                            + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(readLine(socket.getInputStream())).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(readLine(socket.getInputStream())).isEmpty();
            send(socket, "hello");
            Response allowed = read(socket.getInputStream());
            assertThat(allowed.status()).isEqualTo(200);
            assertThat(allowed.body()).isEqualTo("\"5 bytes\"");
        }
    }

    @Test
    void answersExpectContinueWithATooLargeBodyWith413AndNoContinue() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n");
            assertError(read(socket.getInputStream()), 413, "PayloadTooLarge");
        }
    }

    @Test
    void refusesAuthenticationBypassAttempts() throws IOException {
        for (String path : List.of(
                "/private",
                "/%70rivate",
                "/private/",
                "//private",
                "/./private",
                "/public/../private",
                "/private?token=" + TOKEN,
                "/private;x=y")) {
            Response response = exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(response.status()).as(path).isIn(401, 404);
            assertError(response, response.status(), response.status() == 401 ? "Unauthorized" : "NotFound");
        }
        assertError(
                exchange("GET /private HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n\r\n"),
                401,
                "Unauthorized");
        assertError(exchange("GET /private HTTP/1.1\r\nHost: x\r\nAuthorization: bearer\r\n\r\n"), 401, "Unauthorized");
        Response head;
        try (Socket socket = connect(trigger)) {
            send(socket, "HEAD /private HTTP/1.1\r\nHost: x\r\n\r\n");
            head = read(socket.getInputStream(), true);
        }
        assertThat(head.status()).isEqualTo(401);
        assertThat(head.header("x-faas-request-id")).isNotBlank();
        assertError(exchange("get /private HTTP/1.1\r\nHost: x\r\n\r\n"), 401, "Unauthorized"); // Helidon: GET
        Response allowed = exchange("GET /private HTTP/1.1\r\nHost: x\r\nauthorization: Bearer " + TOKEN + "\r\n\r\n");
        assertThat(allowed.status()).isEqualTo(200);
    }

    // ---- raw functions' mistakes ----

    @Test
    void refusesAnInformationalStatusFromARawFunctionWith500AndOneWarning() throws IOException {
        try (LogCapture log = LogCapture.of(HttpTrigger.class.getName(), Level.DEBUG)) {
            assertError(exchange("GET /raw/continue HTTP/1.1\r\nHost: x\r\n\r\n"), 500, "InvalidFunctionResponse");
            assertError(exchange("GET /raw/switching HTTP/1.1\r\nHost: x\r\n\r\n"), 500, "InvalidFunctionResponse");
            assertOneWarningPerCallWithoutAStackTrace(log, 2);
        }
    }

    @Test
    void refusesCrOrLfInARawFunctionsHeaderWith500AndOneWarning() throws IOException {
        try (LogCapture log = LogCapture.of(HttpTrigger.class.getName(), Level.DEBUG)) {
            Response crlf = exchange("GET /raw/crlf HTTP/1.1\r\nHost: x\r\n\r\n");
            assertError(crlf, 500, "InvalidFunctionResponse");
            assertThat(crlf.headers()).doesNotContainKey("set-cookie");
            assertError(exchange("GET /raw/lf HTTP/1.1\r\nHost: x\r\n\r\n"), 500, "InvalidFunctionResponse");
            assertError(exchange("GET /raw/badname HTTP/1.1\r\nHost: x\r\n\r\n"), 500, "InvalidFunctionResponse");
            assertError(exchange("GET /raw/padded HTTP/1.1\r\nHost: x\r\n\r\n"), 500, "InvalidFunctionResponse");
            assertOneWarningPerCallWithoutAStackTrace(log, 4);
        }
    }

    @Test
    void sendsNoBodyWithA205WhateverTheFunctionGave() throws IOException {
        try (JulWarnings helidon = new JulWarnings();
                Socket socket = connect(trigger)) {
            send(socket, "GET /raw/reset HTTP/1.1\r\nHost: x\r\n\r\nGET /raw/next HTTP/1.1\r\nHost: x\r\n\r\n");
            Response reset = read(socket.getInputStream());
            assertThat(reset.status()).isEqualTo(205);
            assertThat(reset.body()).isEmpty();
            assertThat(read(socket.getInputStream()).body()).isEqualTo("ok next");
            assertThat(helidon.warnings()).isEmpty();
        }
    }

    @Test
    void namesNoJavaTypeWhenABodyIsTheWrongShape() throws IOException {
        for (String body : List.of("null", "[]", "\"abc\"", "{\"id\":[1],\"quantity\":1}", "{\"quantity\":\"many\"}")) {
            Response response = exchange(post("/orders", body));
            assertError(response, 400, "BadRequest");
            assertThat(response.message()).as(body).doesNotContain("HttpWireTest", "JsonToken", "LinkedHashMap");
        }
    }

    @Test
    void framesARawResponseItselfWhateverItsContentLengthHeaderSays() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "GET /raw/length HTTP/1.1\r\nHost: x\r\n\r\nGET /raw/next HTTP/1.1\r\nHost: x\r\n\r\n");
            Response first = read(socket.getInputStream());
            assertThat(first.body()).isEqualTo("twelve bytes");
            assertThat(first.header("content-length")).isEqualTo("12");
            assertThat(read(socket.getInputStream()).body()).isEqualTo("ok next");
        }
    }

    @Test
    void answersAClientsMistakesWithoutAWarning() throws IOException {
        try (JulWarnings helidon = new JulWarnings();
                LogCapture log = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.WARN)) {
            exchange("GARBAGE\r\n\r\n");
            exchange("GET /hello HTTP/1.0\r\n\r\n");
            exchange("GET /he%zz HTTP/1.1\r\nHost: x\r\n\r\n");
            exchange("GET /hello HTTP/1.1\r\n\r\n");
            exchange("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n{{{");
            exchange("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n");
            exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n");
            exchange("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(4000) + "\r\n\r\n");
            exchange("GET /" + "a".repeat(3000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(log.messages()).isEmpty();
            assertThat(helidon.warnings()).isEmpty();
        }
    }

    // ---- keep-alive and pipelining ----

    @Test
    void answersPipelinedRequestsInOrder() throws IOException {
        try (Socket socket = connect(trigger)) {
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                requests.append("GET /raw/n").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            send(socket, requests.toString());
            for (int i = 0; i < 20; i++) {
                Response response = read(socket.getInputStream());
                assertThat(response.body()).isEqualTo("ok n" + i);
                assertThat(response.header("connection")).isNotEqualTo("close");
            }
        }
    }

    @Test
    void closesTheConnectionAfterAnsweringConnectionClose() throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(read(socket.getInputStream()).status()).isEqualTo(200);
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    // ---- slow clients and per-trigger limits ----

    @Test
    void disconnectsAClientThatStallsInItsHeaders() throws IOException {
        HttpTrigger strict = extra(HttpTrigger.builder()
                .name("strict")
                .route("GET", "/hello", "hello")
                .headerTimeout(Duration.ofMillis(200)));
        try (Socket socket = connect(strict)) {
            send(socket, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Partial: ");
            assertThat(readAll(socket.getInputStream())).doesNotContain("hello"); // cut off, not answered
        }
        assertHealthy(strict);
    }

    @Test
    void freesTheSlotOfAStalledBody() throws IOException {
        HttpTrigger strict = extra(HttpTrigger.builder()
                .name("strict")
                .route("POST", "/upload", "upload")
                .route("GET", "/hello", "hello")
                .maxInFlight(1)
                .bodyTimeout(Duration.ofSeconds(3)));
        try (Socket stalled = connect(strict)) {
            send(stalled, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nten bytes.");
            await().atMost(Duration.ofSeconds(10)).until(() -> strict.inFlight() == 1);
            Response refused = exchange(strict, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            assertError(refused, 429, "TooManyRequests");
            readAll(stalled.getInputStream()); // the stalled client is cut off
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> strict.inFlight() == 0);
        assertHealthy(strict);
    }

    @Test
    void closesAConnectionIdlePastTheIdleTimeout() throws IOException {
        HttpTrigger strict = extra(HttpTrigger.builder()
                .name("strict")
                .route("GET", "/hello", "hello")
                .idleTimeout(Duration.ofMillis(200)));
        try (Socket socket = connect(strict)) {
            for (int i = 0; i < 2; i++) { // kept alive while it is used
                send(socket, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(read(socket.getInputStream()).status()).isEqualTo(200);
            }
            assertThat(socket.getInputStream().read()).isEqualTo(-1); // then closed, within the 10 s read
        }
        try (Socket silent = connect(strict)) {
            assertThat(silent.getInputStream().read()).isEqualTo(-1); // one that never sends a byte, too
        }
    }

    @Test
    void holdsConnectionsPastTheMaximumUntilOneCloses() throws Exception {
        HttpTrigger strict = extra(HttpTrigger.builder()
                .name("strict")
                .route("GET", "/hello", "hello")
                .maxConnections(1));
        try (Socket first = connect(strict);
                Socket second = connect(strict)) {
            send(first, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(read(first.getInputStream()).status()).isEqualTo(200);
            send(second, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            second.setSoTimeout(300);
            assertThat(readOrTimeout(second.getInputStream())).isNull(); // waiting in the backlog
            first.shutdownOutput(); // the server sees the end of its stream and closes it
            second.setSoTimeout(10_000);
            assertThat(read(second.getInputStream()).status()).isEqualTo(200);
        }
    }

    @Test
    void refusesLimitsThatMakeNoSense() {
        HttpTrigger.Builder builder = HttpTrigger.builder();
        for (Runnable wrong : List.<Runnable>of(
                () -> builder.maxHeaderBytes(10),
                () -> builder.maxHeaders(0),
                () -> builder.headerTimeout(Duration.ZERO),
                () -> builder.bodyTimeout(null),
                () -> builder.idleTimeout(Duration.ofSeconds(-1)),
                () -> builder.maxConnections(0))) {
            assertThatThrownBy(wrong::run).isInstanceOf(InvalidConfigException.class);
        }
    }

    @Test
    void refusesACodecWhoseContentTypeIsNoHeaderValue() {
        Codec injecting = new Codec() {
            @Override
            public <T> T read(byte[] body, Map<String, String> parameters, Class<T> type) {
                return null;
            }

            @Override
            public byte[] write(Object value) {
                return new byte[0];
            }

            @Override
            public String contentType() {
                return "text/plain\r\nSet-Cookie: a=b";
            }
        };
        assertThatThrownBy(() -> HttpTrigger.builder()
                        .route("GET", "/hello", "hello")
                        .codec(injecting)
                        .build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("contentType()");
    }

    @Test
    void leavesNoThreadBehindAFailedOrClosedStart() {
        HttpTrigger taken = HttpTrigger.builder()
                .name("taken")
                .route("GET", "/hello", "hello")
                .port(trigger.port())
                .build();
        try (JulWarnings helidon = new JulWarnings()) {
            assertThatThrownBy(() -> runtime.addTrigger(taken))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("could not listen")
                    .hasMessageContaining(":" + trigger.port() + ": ");
            assertThat(helidon.warnings()).isEmpty(); // the trigger's error, not Helidon's stack traces
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !readTimeoutThreads().contains("faas-http-read-timeouts-taken"));
        assertThat(readTimeoutThreads()).contains("faas-http-read-timeouts-http");
        closedByTest = true;
        trigger.close();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !readTimeoutThreads().contains("faas-http-read-timeouts-http"));
    }

    @Test
    void closesOnAnInterruptedThreadAndKeepsItsInterrupt() throws IOException {
        HttpTrigger closing = extra(HttpTrigger.builder().name("closing").route("GET", "/hello", "hello"));
        int port = closing.port();
        Thread.currentThread().interrupt();
        closing.close();
        assertThat(Thread.interrupted()).isTrue();
        assertThatThrownBy(() -> new Socket(closing.address().getAddress(), port).close())
                .isInstanceOf(ConnectException.class); // the port is let go
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !readTimeoutThreads().contains("faas-http-read-timeouts-closing"));
    }

    private static List<String> readTimeoutThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.startsWith("faas-http-read-timeouts-"))
                .toList();
    }

    // ---- helpers ----

    private HttpTrigger extra(HttpTrigger.Builder builder) {
        HttpTrigger extra = builder.build();
        runtime.addTrigger(extra);
        extraTriggers.add(extra);
        return extra;
    }

    private static void assertHealthy(HttpTrigger trigger) {
        try {
            Response response = exchange(trigger, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("\"hello\"");
        } catch (IOException e) {
            throw new AssertionError("the trigger no longer answers", e);
        }
    }

    private static void awaitIdle(HttpTrigger trigger) {
        await().atMost(Duration.ofSeconds(10)).until(() -> trigger.inFlight() == 0);
    }

    private static void assertOneWarningPerCallWithoutAStackTrace(LogCapture log, int calls) {
        List<ILoggingEvent> warnings = log.events().stream()
                .filter(event -> event.getLevel() == Level.WARN)
                .toList();
        assertThat(warnings).hasSize(calls);
        for (ILoggingEvent warning : warnings) {
            assertThat(warning.getFormattedMessage()).contains("function 'raw'");
            assertThat(warning.getThrowableProxy()).isNull();
        }
    }

    /** Asserts the trigger's error shape: the status, the JSON body, its request id, no Java internals. */
    private static void assertError(Response response, int status, String errorType) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("content-type")).isEqualTo("application/json");
        String requestId = response.header(HttpTrigger.REQUEST_ID_HEADER.toLowerCase(Locale.ROOT));
        assertThat(requestId).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(response.body())
                .startsWith("{\"errorType\":\"" + errorType + "\",\"message\":\"")
                .endsWith(",\"requestId\":\"" + requestId + "\"}");
        assertThat(response.body())
                .doesNotContain("Exception", "java.", "io.helidon", "URLDecoder", "<html")
                .doesNotContainPattern("[A-Za-z]\\$[A-Za-z]"); // a nested class's binary name
    }

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private Response exchange(String request) throws IOException {
        return exchange(trigger, request);
    }

    /** Sends the bytes on a new connection and reads one response. */
    private static Response exchange(HttpTrigger trigger, String request) throws IOException {
        try (Socket socket = connect(trigger)) {
            send(socket, request);
            return read(socket.getInputStream());
        }
    }

    private static Socket connect(HttpTrigger trigger) throws IOException {
        Socket socket = new Socket(trigger.address().getAddress(), trigger.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void send(Socket socket, String bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** One response: status line, headers, and a body of its Content-Length. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }

        String message() {
            Matcher matcher =
                    Pattern.compile("\"message\":\"(.*?)\",\"requestId\"").matcher(body);
            return matcher.find() ? matcher.group(1) : "";
        }
    }

    /** Collects what Helidon logs at WARNING or above, through the JDK's logging, while open. */
    private static final class JulWarnings implements AutoCloseable {
        private final List<String> warnings = new CopyOnWriteArrayList<>();
        private final java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(record.getLoggerName() + ": " + record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };

        JulWarnings() {
            root.addHandler(handler);
        }

        List<String> warnings() {
            return List.copyOf(warnings);
        }

        @Override
        public void close() {
            root.removeHandler(handler);
        }
    }

    private static Response read(InputStream in) throws IOException {
        return read(in, false);
    }

    /** @param head whether it answers a HEAD, whose Content-Length tells a body that is not sent */
    private static Response read(InputStream in, boolean head) throws IOException {
        String statusLine = readLine(in);
        assertThat(statusLine).as("a status line").startsWith("HTTP/1.1 ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.put(
                    line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        int length = head ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        return new Response(Integer.parseInt(statusLine.substring(9, 12)), headers, body);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection closed mid-line, after '" + line + "'");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Everything until the server closes the connection. */
    private static String readAll(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException reset) {
            return "";
        }
    }

    private static Response readOrTimeout(InputStream in) throws IOException {
        try {
            return read(in);
        } catch (SocketTimeoutException timeout) {
            return null;
        }
    }
}
