package dev.faas.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.http.HttpTrigger;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The servers {@link HttpTriggerBenchmark} and {@code benchmarks/wrk.sh} load: each answers
 * {@code GET /hello} with the same JSON body, {@code "hello"}, on a port of its own on loopback.
 * See {@link HttpTriggerBenchmark} for what each one is.
 *
 * <p>Run as a program, it starts them, prints one {@code name port} line each, then
 * {@code ready}, and serves until its standard input closes.
 */
final class HttpServers implements AutoCloseable {

    /** The typed route's input. */
    public record Name(String name) {}

    private static final byte[] HELLO = "\"hello\"".getBytes(StandardCharsets.UTF_8);

    private final FaasRuntime runtime = FaasRuntime.builder().reportLog(false).build();
    private final ExecutorService jdkThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<AutoCloseable> servers = new ArrayList<>();

    private HttpServers() {}

    static HttpServers start() throws Exception {
        HttpServers started = new HttpServers();
        try {
            started.startAll();
        } catch (Exception | Error failure) {
            started.close();
            throw failure;
        }
        return started;
    }

    private void startAll() throws Exception {
        FunctionRef<Void, String> hello =
                runtime.deploy(FunctionSpec.of("hello", Void.class, String.class, () -> (input, context) -> "hello"));
        runtime.deploy(
                FunctionSpec.of("greet", Name.class, String.class, () -> (input, context) -> "hello " + input.name()));
        HttpTrigger trigger = HttpTrigger.builder()
                .route("GET", "/hello", "hello")
                .route("GET", "/greet/{name}", "greet")
                .build();
        runtime.addTrigger(trigger); // closed with the runtime
        ports.put("trigger", trigger.port());

        helidon("bareHelidon", (request, response) -> {
            response.header(HeaderNames.CONTENT_TYPE, "application/json");
            response.send(HELLO);
        });
        helidon("bareHelidonHop", (request, response) -> {
            Thread.ofVirtual().start(() -> {}).join(); // what any call on a thread of its own costs at least
            response.header(HeaderNames.CONTENT_TYPE, "application/json");
            response.send(HELLO);
        });
        helidon("bareHelidonInvoke", (request, response) -> {
            response.header(HeaderNames.CONTENT_TYPE, "application/json");
            response.send(("\"" + hello.invoke(null) + "\"").getBytes(StandardCharsets.UTF_8));
        });
        jetty("bareJetty");
        jdk("bareServer", exchange -> respond(exchange, HELLO));
        jdk("bareServerHop", exchange -> {
            try {
                Thread.ofVirtual().start(() -> {}).join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, HELLO);
        });
        jdk(
                "bareServerInvoke",
                exchange -> respond(exchange, ("\"" + hello.invoke(null) + "\"").getBytes(StandardCharsets.UTF_8)));
    }

    /** The port of the named server. */
    int port(String name) {
        Integer port = ports.get(name);
        if (port == null) {
            throw new IllegalArgumentException("no server '" + name + "'; there are " + ports.keySet());
        }
        return port;
    }

    Map<String, Integer> ports() {
        return Map.copyOf(ports);
    }

    private void helidon(String name, io.helidon.webserver.http.Handler handler) {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .shutdownHook(false)
                .routing(routing -> routing.get("/hello", handler))
                .build()
                .start();
        servers.add(server::stop);
        ports.put(name, server.port());
    }

    private void jetty(String name) throws Exception {
        Server jetty = new Server(new VirtualThreadPool());
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.write(true, ByteBuffer.wrap(HELLO), callback);
                return true;
            }
        });
        servers.add(jetty::stop);
        jetty.start();
        ports.put(name, connector.getLocalPort());
    }

    private void jdk(String name, HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(jdkThreads);
        server.createContext("/", handler);
        server.start();
        servers.add(() -> server.stop(0));
        ports.put(name, server.getAddress().getPort());
    }

    private static void respond(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops every server, even past one that fails to stop; the first failure is thrown, the others suppressed. */
    @Override
    public void close() {
        IllegalStateException failed = null;
        List<AutoCloseable> all = new ArrayList<>(servers);
        all.add(runtime::close);
        all.add(jdkThreads::close);
        for (AutoCloseable server : all) {
            try {
                server.close();
            } catch (Exception e) {
                if (failed == null) {
                    failed = new IllegalStateException("a benchmark server did not stop", e);
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    public static void main(String[] args) throws Exception {
        try (HttpServers started = start()) {
            started.ports.forEach((name, port) -> System.out.println(name + " " + port));
            System.out.println("ready");
            System.out.flush();
            System.in.readAllBytes(); // until the caller closes our input
        }
    }
}
