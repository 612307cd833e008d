package dev.faas.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.FunctionSpec;
import dev.faas.api.events.HttpRequestEvent;
import dev.faas.api.events.HttpResponseEvent;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.http.Authenticator;
import dev.faas.triggers.http.HttpTrigger;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The README's HTTP trigger example: compiled and called here, and compared with the README's text. */
final class HttpTriggerReadmeTest {

    @Test
    void theExampleServesItsRoutes() throws Exception {
        String token = "s3cret";
        try (FaasRuntime runtime = FaasRuntime.builder().build();
                HttpClient client = HttpClient.newHttpClient()) {
            runtime.deploy(FunctionSpec.of(
                    "price-lookup", String.class, String.class, () -> (item, context) -> item + ": 9.99 EUR"));
            runtime.deploy(FunctionSpec.of(
                    "ingest",
                    HttpRequestEvent.class,
                    HttpResponseEvent.class,
                    () -> (request, context) -> HttpResponseEvent.of(201, request.body().length + " bytes")));

            // tag::http-trigger[]
            // token: the secret your uploaders send as "Authorization: Bearer <token>"
            HttpTrigger http = HttpTrigger.builder()
                    .route("GET", "/prices/{item}", "price-lookup") // typed: JSON in, JSON out
                    .route("POST", "/uploads", "ingest", Authenticator.bearerToken(token)) // 401 without the token
                    .port(0) // 0 (the default): a free port
                    .build();
            runtime.addTrigger(http); // listening now; http.uri() says where; closed with the runtime
            // end::http-trigger[]

            URI base = http.uri();
            HttpResponse<String> price = client.send(
                    HttpRequest.newBuilder(base.resolve("/prices/espresso")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> anonymous = client.send(
                    HttpRequest.newBuilder(base.resolve("/uploads"))
                            .POST(HttpRequest.BodyPublishers.ofString("data"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> upload = client.send(
                    HttpRequest.newBuilder(base.resolve("/uploads"))
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.ofString("data"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(http.port()).isPositive();
            assertThat(price.statusCode()).isEqualTo(200);
            assertThat(price.body()).isEqualTo("\"espresso: 9.99 EUR\"");
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(upload.statusCode()).isEqualTo(201);
            assertThat(upload.body()).isEqualTo("4 bytes");
        }
    }

    @Test
    void readmeShowsTheExampleVerbatim() throws IOException {
        assertThat(ReadmeSnippets.shownAfter("## HTTP trigger").replace(".port(8080)", ".port(0)"))
                .as("the README's HTTP trigger example, with port 8080 where the test takes a free one")
                .isEqualTo(ReadmeSnippets.tagged("HttpTriggerReadmeTest", "http-trigger"));
    }

    @Test
    void readmeLimitsTableGivesTheDefaults() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme)
                .contains(
                        "| body size | " + HttpTrigger.DEFAULT_MAX_BODY_BYTES / (1024 * 1024)
                                + " MB (Lambda's limit) |",
                        "| request line, header bytes | " + HttpTrigger.DEFAULT_MAX_HEADER_BYTES / 1024 + " KB |",
                        "| header count | " + HttpTrigger.DEFAULT_MAX_HEADERS + " |",
                        "| requests answered at once | " + thousands(HttpTrigger.DEFAULT_MAX_IN_FLIGHT) + " |",
                        "| open connections | " + thousands(HttpTrigger.DEFAULT_MAX_CONNECTIONS) + " |",
                        "| time to send the headers | " + HttpTrigger.DEFAULT_HEADER_TIMEOUT.toSeconds() + " s,",
                        "| time to send the body | " + HttpTrigger.DEFAULT_BODY_TIMEOUT.toSeconds() + " s,",
                        "| idle keep-alive connection | " + HttpTrigger.DEFAULT_IDLE_TIMEOUT.toSeconds() + " s |",
                        "| draining on `close()` | " + HttpTrigger.DEFAULT_SHUTDOWN_TIMEOUT.toSeconds() + " s,");
    }

    private static String thousands(int number) {
        return String.format(Locale.ROOT, "%,d", number);
    }
}
