package dev.faas.triggers.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionSpec;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.ManualClock;
import dev.faas.api.events.HttpRequestEvent;
import dev.faas.api.events.HttpResponseEvent;
import dev.faas.api.ledger.InvocationRecord;
import dev.faas.core.FaasRuntime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class HttpTriggerTest {

    record Greeting(String name, String greeting) {}

    record Order(String id, int quantity) {}

    record Confirmation(String id, int quantity, String status) {}

    /** An output no JSON writer can write: reading its one field throws. */
    record Unwritable(String value) {
        @Override
        public String value() {
            throw new IllegalStateException("not today");
        }
    }

    /** A handler's exception whose every description throws. */
    static final class Unprintable extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("getMessage is broken");
        }

        @Override
        public String toString() {
            throw new IllegalStateException("toString is broken");
        }
    }

    private static final byte[] SECRET = "0123456789abcdef0123".getBytes(StandardCharsets.UTF_8);

    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch running = new CountDownLatch(1);
    private FaasRuntime runtime;
    private HttpTrigger trigger;

    @BeforeEach
    void deploy() {
        runtime = FaasRuntime.builder().reportLog(false).build();
        runtime.deploy(FunctionSpec.of(
                "greet",
                Greeting.class,
                String.class,
                () -> (input, context) ->
                        (input.greeting() == null ? "Hello" : input.greeting()) + ", " + input.name()));
        runtime.deploy(FunctionSpec.of(
                "order",
                Order.class,
                Confirmation.class,
                () -> (order, context) -> new Confirmation(order.id(), order.quantity(), "accepted")));
        runtime.deploy(FunctionSpec.of(
                "raw",
                HttpRequestEvent.class,
                HttpResponseEvent.class,
                () -> (request, context) -> HttpResponseEvent.of(
                                201,
                                request.method() + " " + request.path()
                                        + " item="
                                        + request.pathParameter("item").orElse("?")
                                        + " q=" + request.queryParameter("q").orElse("?")
                                        + " header="
                                        + request.header("X-Custom").orElse("?")
                                        + " body=" + request.bodyText())
                        .withHeader("X-Made-By", "raw")));
        runtime.deploy(FunctionSpec.of("nothing", Void.class, Void.class, () -> (input, context) -> null));
        runtime.deploy(FunctionSpec.of("echo", String.class, String.class, () -> (word, context) -> word));
        runtime.deploy(FunctionSpec.of("rude", Void.class, String.class, () -> (input, context) -> {
            Thread.currentThread().interrupt(); // and leaves it set, as "restore the interrupt" code does
            return "answered anyway";
        }));
        runtime.deploy(FunctionSpec.of(
                "unwritable", Void.class, Unwritable.class, () -> (input, context) -> new Unwritable("x")));
        runtime.deploy(FunctionSpec.of("fail", Void.class, String.class, () -> (input, context) -> {
            throw new IllegalStateException("secret internals: password=hunter2");
        }));
        runtime.deploy(FunctionSpec.of("hostile", Void.class, String.class, () -> (input, context) -> {
            throw new Unprintable();
        }));
        runtime.deploy(FunctionSpec.of("slow", Void.class, String.class, () -> (input, context) -> {
                    running.countDown();
                    release.await();
                    return "finally";
                })
                .withConfig(FunctionConfig.builder()
                        .timeout(Duration.ofMinutes(1))
                        .reservedConcurrency(1)
                        .build()));
        trigger = HttpTrigger.builder()
                .route("GET", "/greet/{name}", "greet")
                .route("POST", "/orders/{id}", "order")
                .route("GET", "/orders/{id}", "greet")
                .route("GET", "/orders/new", "nothing")
                .route("PUT", "/raw/{item}", "raw")
                .route("GET", "/nothing", "nothing")
                .route("GET", "/echo/{word}", "echo")
                .route("GET", "/rude", "rude")
                .route("GET", "/unwritable", "unwritable")
                .route("GET", "/fail", "fail")
                .route("GET", "/hostile", "hostile")
                .route("GET", "/slow", "slow")
                .route("GET", "/private", "nothing", Authenticator.bearerToken("let-me-in"))
                .route("POST", "/webhook", "nothing", Authenticator.hmacSha256(SECRET, "X-Signature-256"))
                .maxBodyBytes(1024)
                .build();
        runtime.addTrigger(trigger);
    }

    @AfterEach
    void close() {
        release.countDown();
        // Every request admitted was answered and counted out (its count drops once the client has
        // the response, so it is awaited).
        eventually().untilAsserted(() -> assertThat(trigger.inFlight()).isZero());
        runtime.close();
    }

    // ---- payload styles ----

    @Test
    void bindsATypedInputFromPathAndQueryParametersAndWritesTheOutputAsJson() throws Exception {
        HttpResponse<String> response = get("/greet/J%C3%BCrgen?greeting=Servus");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body()).isEqualTo("\"Servus, Jürgen\"");
        String requestId =
                response.headers().firstValue(HttpTrigger.REQUEST_ID_HEADER).orElseThrow();
        assertThat(runtime.ledger().entries())
                .singleElement()
                .extracting(InvocationRecord::requestId)
                .as("the header names the invocation")
                .isEqualTo(requestId);
    }

    @Test
    void bindsAJsonBodyWithPathParametersFillingWhatItLacks() throws Exception {
        HttpResponse<String> response = send(post("/orders/A-17", "{\"quantity\": 3, \"note\": \"ignored\"}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"id\":\"A-17\",\"quantity\":3,\"status\":\"accepted\"}");
    }

    @Test
    void refusesABodyThatContradictsAPathParameter() throws Exception {
        HttpResponse<String> scalar = send(request("/echo/espresso")
                .method("GET", BodyPublishers.ofString("\"latte\""))
                .build());
        HttpResponse<String> field = send(post("/orders/A-17", "{\"id\": \"B-1\", \"quantity\": 3}"));

        assertError(scalar, 400, "BadRequest", "the body is \\\"latte\\\", but the path gives word = \\\"espresso\\\"");
        assertError(
                field, 400, "BadRequest", "the body's field 'id' is \\\"B-1\\\", but the path gives id = \\\"A-17\\\"");
    }

    @Test
    void acceptsABodyThatAgreesWithThePath() throws Exception {
        HttpResponse<String> scalar = send(request("/echo/espresso")
                .method("GET", BodyPublishers.ofString("\"espresso\""))
                .build());
        HttpResponse<String> field = send(post("/orders/A-17", "{\"id\": \"A-17\", \"quantity\": 3}"));

        assertThat(scalar.body()).isEqualTo("\"espresso\"");
        assertThat(field.body()).isEqualTo("{\"id\":\"A-17\",\"quantity\":3,\"status\":\"accepted\"}");
    }

    @Test
    void answersAFunctionWhoseExceptionCannotBeDescribedWith502() throws Exception {
        assertError(get("/hostile"), 502, "FunctionError", "function 'hostile' failed");
    }

    @Test
    void handsTheRawRequestToAFunctionThatTakesItAndSendsItsRawResponse() throws Exception {
        HttpResponse<String> response = send(request("/raw/a+b%2Fc?q=x%20y")
                .header("X-Custom", "yes")
                .PUT(BodyPublishers.ofString("payload"))
                .build());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("X-Made-By")).contains("raw");
        assertThat(response.body()).isEqualTo("PUT /raw/a+b/c item=a+b/c q=x y header=yes body=payload");
    }

    @Test
    void prefersALiteralSegmentToAParameter() throws Exception {
        assertThat(get("/orders/new").statusCode()).isEqualTo(204);
        assertThat(get("/orders/42").body()).isEqualTo("\"Hello, null\"");
    }

    @Test
    void answersANullOutputWithNoContent() throws Exception {
        HttpResponse<String> response = get("/nothing");

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue(HttpTrigger.REQUEST_ID_HEADER)).isPresent();
    }

    // ---- status codes ----

    @Test
    void makesAScalarInputOfTheRoutesParameterWhateverTheQuery() throws Exception {
        HttpResponse<String> response = get("/echo/hi?utm_source=mail");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("\"hi\"");
    }

    @Test
    void answersHeadAsGetWithoutABody() throws Exception {
        HttpResponse<String> head = send(
                request("/greet/ada").method("HEAD", BodyPublishers.noBody()).build());
        HttpResponse<String> wrongMethod = send(request("/greet/ada").DELETE().build());

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue(HttpTrigger.REQUEST_ID_HEADER)).isPresent();
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET, HEAD");
    }

    @Test
    void answersAHandlerThatLeftItsInterruptFlagSet() throws Exception {
        HttpResponse<String> response = get("/rude");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("\"answered anyway\"");
    }

    @Test
    void answersAnOutputTheCodecCannotWriteWith500UnderTheInvocationsId() throws Exception {
        HttpResponse<String> response = get("/unwritable");

        assertError(response, 500, "InternalError", "the trigger failed");
        assertThat(response.body()).doesNotContain("not today");
        assertThat(runtime.ledger().entries())
                .singleElement()
                .extracting(InvocationRecord::requestId)
                .isEqualTo(response.headers()
                        .firstValue(HttpTrigger.REQUEST_ID_HEADER)
                        .orElseThrow());
    }

    @Test
    void countsOutARefusedRequestWhoseBodyNeverCame() throws Exception {
        try (Socket socket = new Socket(trigger.address().getAddress(), trigger.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(("POST /nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII)); // and the body never comes; the socket stays open

            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 404");
            eventually().until(() -> trigger.inFlight() == 0);
            Thread closer = Thread.startVirtualThread(trigger::close);
            assertThat(closer.join(Duration.ofSeconds(10)))
                    .as("close does not wait for the silent client")
                    .isTrue();
        }
    }

    @Test
    void refusesAMissingTokenBeforeTheBodyIsSent() throws IOException {
        try (Socket socket = new Socket(trigger.address().getAddress(), trigger.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(("GET /private HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII)); // and not one byte of the body

            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 401");
        }
    }

    @Test
    void answersMalformedJsonAndWrongShapesWith400() throws Exception {
        assertError(
                send(post("/orders/1", "{\"quantity\": ")), 400, "BadRequest", "the body is not valid JSON for Order");
        assertError(
                send(post("/orders/1", "{\"quantity\": \"many\"}")),
                400,
                "BadRequest",
                "for Order at $.quantity: Cannot deserialize value of type `int` from String \\\"many\\\"");
        assertThat(send(post("/orders/1", "[1, 2]")).body())
                .as("no Java names leak")
                .contains("value of type `Order` from Array value (an array)")
                .doesNotContain("dev.faas", "HttpTriggerTest", "JsonToken");
        assertError(
                send(request("/greet/x")
                        .header(HttpTrigger.INVOCATION_TYPE_HEADER, "Sometimes")
                        .GET()
                        .build()),
                400,
                "BadRequest",
                "must be RequestResponse, Event or DryRun, but was 'Sometimes'");
        assertThat(runtime.ledger().entries()).as("nothing ran").isEmpty();
    }

    @Test
    void answersAnUnknownRouteWith404AndAWrongMethodWith405() throws Exception {
        assertError(get("/nowhere"), 404, "NotFound", "no route for GET /nowhere");

        HttpResponse<String> wrongMethod = send(post("/greet/x", "{}"));
        assertError(wrongMethod, 405, "MethodNotAllowed", "/greet/x takes GET, HEAD, not POST");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET, HEAD");
        assertThat(send(request("/orders/9").DELETE().build()).headers().firstValue("Allow"))
                .contains("GET, HEAD, POST");
    }

    @Test
    void answersARouteWhoseFunctionWasUndeployedWith404() throws Exception {
        runtime.undeploy("greet");

        assertError(get("/greet/x"), 404, "FunctionNotFound", "function 'greet' is not deployed");
    }

    @Test
    void refusesABodyPastTheLimitWith413() throws Exception {
        assertError(
                send(post("/orders/1", "{\"quantity\": 1, \"pad\": \"" + "x".repeat(2000) + "\"}")),
                413,
                "PayloadTooLarge",
                "larger than the limit of 1024 bytes");

        InputStream chunked = new ByteArrayInputStream(new byte[5000]); // no length announced: read up to the limit
        assertError(
                send(request("/orders/1")
                        .POST(BodyPublishers.ofInputStream(() -> chunked))
                        .build()),
                413,
                "PayloadTooLarge",
                "1024 bytes");
        assertThat(runtime.ledger().entries()).isEmpty();
    }

    @Test
    void refusesAnAnnouncedHugeBodyBeforeItIsSent() throws IOException {
        try (Socket socket = new Socket(trigger.address().getAddress(), trigger.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /orders/1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 10737418240\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush(); // and not one byte of the 10 GB

            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 413");
        }
    }

    @Test
    void answersAMalformedRequestLineWith400() throws IOException {
        try (Socket socket = new Socket(trigger.address().getAddress(), trigger.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 400");
        }
    }

    @Test
    void answersAThrottledCallWith429AndRetryAfter() throws Exception {
        CompletableFuture<HttpResponse<String>> first =
                client.sendAsync(request("/slow").GET().build(), BodyHandlers.ofString());
        running.await(); // the function's one reserved execution is taken

        HttpResponse<String> throttled = get("/slow");

        assertError(throttled, 429, "Throttled", "reserved concurrent executions are in use");
        assertThat(throttled.headers().firstValue("Retry-After")).contains("1");
        release.countDown();
        assertThat(first.join().body()).isEqualTo("\"finally\"");
    }

    @Test
    void answersPastMaxInFlightWith429() throws Exception {
        HttpTrigger narrow = HttpTrigger.builder()
                .route("GET", "/slow", "slow")
                .maxInFlight(1)
                .build();
        runtime.addTrigger(narrow);
        URI slow = narrow.uri().resolve("/slow");
        CompletableFuture<HttpResponse<String>> first =
                client.sendAsync(HttpRequest.newBuilder(slow).build(), BodyHandlers.ofString());
        running.await();

        HttpResponse<String> refused = client.send(HttpRequest.newBuilder(slow).build(), BodyHandlers.ofString());

        assertError(refused, 429, "TooManyRequests", "maximum of 1 requests");
        release.countDown();
        assertThat(first.join().statusCode()).isEqualTo(200);
    }

    @Test
    void answersAFailedFunctionWith502WithoutItsInternals() throws Exception {
        HttpResponse<String> response = get("/fail");

        assertError(response, 502, "FunctionError", "function 'fail' failed; its log and report hold the error");
        assertThat(response.body())
                .doesNotContain("hunter2")
                .doesNotContain("IllegalStateException")
                .doesNotContain("\tat ");
        assertThat(response.headers().firstValue(HttpTrigger.REQUEST_ID_HEADER).orElseThrow())
                .isEqualTo(runtime.ledger().entries().getFirst().requestId());
    }

    @Test
    void answersATimeoutWith504() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (FaasRuntime timed =
                FaasRuntime.builder().clock(clock).reportLog(false).build()) {
            timed.deploy(FunctionSpec.of("sleepy", Void.class, String.class, () -> (input, context) -> {
                        running.countDown();
                        release.await();
                        return "late";
                    })
                    .withConfig(FunctionConfig.builder()
                            .timeout(Duration.ofSeconds(3))
                            .build()));
            HttpTrigger own =
                    HttpTrigger.builder().route("GET", "/sleepy", "sleepy").build();
            timed.addTrigger(own);
            CompletableFuture<HttpResponse<String>> call = client.sendAsync(
                    HttpRequest.newBuilder(own.uri().resolve("/sleepy")).build(), BodyHandlers.ofString());
            running.await();

            clock.advance(Duration.ofSeconds(3));

            assertError(call.join(), 504, "FunctionTimeout", "timed out");
        }
    }

    @Test
    void answersWith503OnceTheRuntimeIsClosed() throws Exception {
        FaasRuntime other = FaasRuntime.builder().reportLog(false).build();
        other.deploy(FunctionSpec.of("nothing", Void.class, Void.class, () -> (input, context) -> null));
        HttpTrigger orphan =
                HttpTrigger.builder().route("GET", "/nothing", "nothing").build();
        orphan.start(other); // started by hand: the runtime does not close it
        try {
            other.close();

            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(orphan.uri().resolve("/nothing")).build(), BodyHandlers.ofString());
            assertError(response, 503, "ServiceUnavailable", "the runtime is closed");
        } finally {
            orphan.close();
        }
    }

    @Test
    void answersACallStoppedByTheRuntimesCloseWith503() throws Exception {
        FaasRuntime other = FaasRuntime.builder()
                .reportLog(false)
                .drainTimeout(Duration.ofMillis(50))
                .build();
        other.deploy(FunctionSpec.of("stuck", Void.class, String.class, () -> (input, context) -> {
            running.countDown();
            release.await();
            return "never";
        }));
        HttpTrigger orphan =
                HttpTrigger.builder().route("GET", "/stuck", "stuck").build();
        orphan.start(other); // started by hand: the runtime's close does not wait for it
        try {
            CompletableFuture<HttpResponse<String>> call = client.sendAsync(
                    HttpRequest.newBuilder(orphan.uri().resolve("/stuck")).build(), BodyHandlers.ofString());
            running.await();

            other.close(); // the drain times out and stops the call

            assertError(call.join(), 503, "ServiceUnavailable", "closed");
        } finally {
            orphan.close();
        }
    }

    // ---- invocation types ----

    @Test
    void queuesAnEventAndAnswers202WithItsRequestId() throws Exception {
        HttpResponse<String> response = send(request("/greet/ada")
                .header(HttpTrigger.INVOCATION_TYPE_HEADER, "Event")
                .GET()
                .build());

        assertThat(response.statusCode()).isEqualTo(202);
        String eventId =
                response.headers().firstValue(HttpTrigger.REQUEST_ID_HEADER).orElseThrow();
        assertThat(response.body()).isEqualTo("{\"requestId\":\"" + eventId + "\"}");
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(runtime.ledger().entries())
                .singleElement()
                .extracting(InvocationRecord::requestId)
                .isEqualTo(eventId);
    }

    @Test
    void runsARepeatedEventDeliveryOnce() throws Exception {
        HttpRequest delivery = request("/greet/ada")
                .header(HttpTrigger.INVOCATION_TYPE_HEADER, "Event")
                .header(HttpTrigger.IDEMPOTENCY_KEY_HEADER, "delivery-1")
                .GET()
                .build();

        String first = send(delivery)
                .headers()
                .firstValue(HttpTrigger.REQUEST_ID_HEADER)
                .orElseThrow();
        String again = send(delivery)
                .headers()
                .firstValue(HttpTrigger.REQUEST_ID_HEADER)
                .orElseThrow();

        assertThat(again).isEqualTo(first);
        runtime.awaitQuiescence(Duration.ofSeconds(5));
        assertThat(runtime.ledger().entries()).hasSize(1);
    }

    @Test
    void refusesAnEmptyIdempotencyKeyWith400() throws Exception {
        HttpResponse<String> response = send(request("/echo/hi")
                .header("X-Faas-Invocation-Type", "Event")
                .header(HttpTrigger.IDEMPOTENCY_KEY_HEADER, " ")
                .GET()
                .build());

        assertError(response, 400, "BadRequest", "X-Faas-Idempotency-Key must be 1 to 256 characters, not blank");
        assertThat(runtime.ledger().entries()).isEmpty();
    }

    @Test
    void checksADryRunWithoutRunningAnything() throws Exception {
        HttpResponse<String> response = send(request("/greet/ada")
                .header(HttpTrigger.INVOCATION_TYPE_HEADER, "DryRun")
                .GET()
                .build());

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(runtime.ledger().entries()).isEmpty();
    }

    // ---- authentication ----

    @Test
    void checksABearerToken() throws Exception {
        HttpResponse<String> missing = get("/private");
        assertError(missing, 401, "Unauthorized", "no valid credentials");
        assertThat(missing.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(send(request("/private")
                                .header("Authorization", "Bearer guess")
                                .GET()
                                .build())
                        .statusCode())
                .isEqualTo(401);

        assertThat(send(request("/private")
                                .header("Authorization", "Bearer let-me-in")
                                .GET()
                                .build())
                        .statusCode())
                .isEqualTo(204);
    }

    @Test
    void checksAnHmacSignatureOfTheBody() throws Exception {
        String body = "{\"event\":\"push\"}";
        assertError(send(post("/webhook", body)), 401, "Unauthorized", "no valid credentials");
        assertError(
                send(request("/webhook")
                        .header("X-Signature-256", "sha256=" + "00".repeat(32))
                        .POST(BodyPublishers.ofString(body))
                        .build()),
                403,
                "Forbidden",
                "do not allow it");

        HttpResponse<String> signed = send(request("/webhook")
                .header("X-Signature-256", "sha256=" + sign(body))
                .POST(BodyPublishers.ofString(body))
                .build());
        assertThat(signed.statusCode()).isEqualTo(204);
    }

    // ---- load and lifecycle ----

    @Test
    void answersAThousandRequestsFromAHundredThreadsCorrectly() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 100; t++) {
            int thread = t;
            threads.add(Thread.startVirtualThread(() -> {
                for (int i = 0; i < 10; i++) {
                    String name = "caller-" + thread + "-" + i;
                    try {
                        HttpResponse<String> response = get("/greet/" + name);
                        if (response.statusCode() != 200 || !response.body().equals("\"Hello, " + name + "\"")) {
                            wrong.add(response.statusCode() + " " + response.body());
                        }
                    } catch (IOException | InterruptedException e) {
                        wrong.add(e.toString());
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(wrong).isEmpty();
        assertThat(runtime.ledger().usage("greet").requests()).isEqualTo(1000);
    }

    @Test
    void closesGracefullyLettingTheRequestInFlightFinish() throws Exception {
        CompletableFuture<HttpResponse<String>> inFlight =
                client.sendAsync(request("/slow").GET().build(), BodyHandlers.ofString());
        running.await();
        Thread closer = Thread.startVirtualThread(trigger::close);
        eventually().until(() -> get("/greet/early").statusCode() == 503); // closing now

        assertThat(closer.isAlive()).as("close waits for the request in flight").isTrue();
        assertThat(inFlight).isNotDone();
        release.countDown();
        closer.join();

        assertThat(inFlight.join().body()).isEqualTo("\"finally\"");
        assertThatThrownBy(() -> get("/greet/late")).isInstanceOf(IOException.class); // no longer listening
    }

    // ---- configuration ----

    @Test
    void refusesBadRoutesWhenBuilt() {
        assertThatThrownBy(() -> HttpTrigger.builder().route("get", "/x", "f"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("an upper-case HTTP method");
        assertThatThrownBy(() -> HttpTrigger.builder().route("GET", "x", "f"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> HttpTrigger.builder().route("GET", "/a/{id}.json", "f"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("a parameter is a whole segment");
        assertThatThrownBy(() -> HttpTrigger.builder().route("GET", "/a/{id}/{id}", "f"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("names the parameter {id} twice");
        assertThatThrownBy(
                        () -> HttpTrigger.builder().route("GET", "/a/{id}", "f").route("GET", "/a/{name}/", "g"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("take the same requests");
        assertThatThrownBy(() -> HttpTrigger.builder().build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("at least one route");
        assertThatThrownBy(() -> HttpTrigger.builder().port(70_000)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> HttpTrigger.builder().maxBodyBytes(0)).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void refusesToStartWithAnUndeployedFunctionOrATakenPort() {
        assertThatThrownBy(() -> runtime.addTrigger(
                        HttpTrigger.builder().route("GET", "/x", "missing").build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("names function 'missing', which is not deployed");
        assertThatThrownBy(() -> runtime.addTrigger(HttpTrigger.builder()
                        .route("GET", "/x", "greet")
                        .port(trigger.port())
                        .build()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("could not listen on 127.0.0.1:");
        assertThatThrownBy(() -> HttpTrigger.builder()
                        .route("GET", "/x", "greet")
                        .build()
                        .port())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not started");
    }

    // ---- helpers ----

    /** Polls often, from the start: most conditions hold by the first look. */
    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(trigger.uri().resolve(path)).timeout(Duration.ofSeconds(30));
    }

    private HttpRequest post(String path, String json) {
        return request(path)
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json))
                .build();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, int status, String errorType, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        String requestId =
                response.headers().firstValue(HttpTrigger.REQUEST_ID_HEADER).orElseThrow();
        assertThat(response.body())
                .startsWith("{\"errorType\":\"" + errorType + "\",\"message\":\"")
                .contains(message)
                .endsWith("\"requestId\":\"" + requestId + "\"}");
    }

    private static String sign(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
