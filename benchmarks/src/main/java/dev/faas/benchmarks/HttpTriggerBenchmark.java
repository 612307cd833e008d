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
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Requests per second through the HTTP trigger, against the same JDK server answering directly, in
 * one run. Four client threads, each on its own keep-alive connection, send {@code GET} requests
 * and read the whole response; the client is a plain socket, so that its cost is small and the
 * same for every server.
 * <ul>
 *   <li>{@code bareServer}: the JDK's HttpServer on virtual threads writing a fixed JSON body (the baseline);
 *   <li>{@code bareServerHop}: the same, but the handler starts a virtual thread and joins it: the
 *       least any server pays that runs each call on a thread of its own;
 *   <li>{@code bareServerInvoke}: the same server whose handler calls the function itself (the peer:
 *       the invocation's cost without the trigger's);
 *   <li>{@code bareHelidon}: a Helidon 4 WebServer (built for virtual threads) writing the same body:
 *       the server a user would otherwise write a handler for;
 *   <li>{@code bareJetty}: a Jetty 12 server on virtual threads writing the same body;
 *   <li>{@code trigger}: the trigger, {@code GET /hello} to a function that takes nothing;
 *   <li>{@code triggerTyped}: the trigger, {@code GET /greet/{name}} bound to a record input.
 * </ul>
 *
 * <pre>benchmarks/run.sh HttpTriggerBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(4)
@Fork(3) // forks of this one differ by up to 30% on a shared 2-core VM: the median of three is steadier
public class HttpTriggerBenchmark {

    /** The typed route's input. */
    public record Name(String name) {
    }

    private static final byte[] HELLO = "\"hello\"".getBytes(StandardCharsets.UTF_8);

    private FaasRuntime runtime;
    private HttpServer bare;
    private HttpServer bareInvoke;
    private HttpServer bareHop;
    private ExecutorService bareThreads;
    private HttpTrigger trigger;
    private WebServer helidon;
    private Server jetty;
    int helidonPort;
    int jettyPort;
    int barePort;
    int bareInvokePort;
    int bareHopPort;
    int triggerPort;

    @Setup
    public void setUp() throws IOException {
        runtime = FaasRuntime.builder().reportLog(false).build();
        FunctionRef<Void, String> hello = runtime.deploy(FunctionSpec.of("hello", Void.class, String.class,
                () -> (input, context) -> "hello"));
        runtime.deploy(FunctionSpec.of("greet", Name.class, String.class,
                () -> (input, context) -> "hello " + input.name()));
        bareThreads = Executors.newVirtualThreadPerTaskExecutor();
        bare = server(exchange -> respond(exchange, HELLO));
        bareInvoke = server(exchange -> respond(exchange,
                ("\"" + hello.invoke(null) + "\"").getBytes(StandardCharsets.UTF_8)));
        bareHop = server(exchange -> {
            Thread hop = Thread.ofVirtual().start(() -> { }); // what any call on its own thread costs at least
            try {
                hop.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, HELLO);
        });
        bareHopPort = bareHop.getAddress().getPort();
        barePort = bare.getAddress().getPort();
        bareInvokePort = bareInvoke.getAddress().getPort();
        helidon = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.get("/hello", (request, response) -> {
                    response.header(HeaderNames.CONTENT_TYPE, "application/json");
                    response.send(HELLO);
                }))
                .build().start();
        helidonPort = helidon.port();
        jetty = new Server(new VirtualThreadPool());
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.write(true, ByteBuffer.wrap(HELLO), callback);
                return true;
            }
        });
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IOException("Jetty did not start", e);
        }
        jettyPort = connector.getLocalPort();
        trigger = HttpTrigger.builder().route("GET", "/hello", "hello").route("GET", "/greet/{name}", "greet").build();
        runtime.addTrigger(trigger);
        triggerPort = trigger.port();
    }

    private HttpServer server(HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(bareThreads);
        server.createContext("/", handler);
        server.start();
        return server;
    }

    private static void respond(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @TearDown
    public void tearDown() {
        runtime.close();
        bare.stop(0);
        bareInvoke.stop(0);
        bareHop.stop(0);
        bareThreads.close();
        helidon.stop();
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One client thread's keep-alive connections, one per server. */
    @State(Scope.Thread)
    public static class Client {
        Connection bare;
        Connection bareInvoke;
        Connection bareHop;
        Connection trigger;
        Connection triggerTyped;
        Connection helidon;
        Connection jetty;

        @Setup(Level.Trial)
        public void connect(HttpTriggerBenchmark servers) throws IOException {
            helidon = new Connection(servers.helidonPort, "/hello");
            jetty = new Connection(servers.jettyPort, "/hello");
            bare = new Connection(servers.barePort, "/hello");
            bareInvoke = new Connection(servers.bareInvokePort, "/hello");
            bareHop = new Connection(servers.bareHopPort, "/hello");
            trigger = new Connection(servers.triggerPort, "/hello");
            triggerTyped = new Connection(servers.triggerPort, "/greet/ada");
        }

        @TearDown(Level.Trial)
        public void disconnect() throws IOException {
            bare.close();
            bareInvoke.close();
            bareHop.close();
            trigger.close();
            triggerTyped.close();
            helidon.close();
            jetty.close();
        }
    }

    @Benchmark
    public int bareHelidon(Client client) throws IOException {
        return client.helidon.get();
    }

    @Benchmark
    public int bareJetty(Client client) throws IOException {
        return client.jetty.get();
    }

    @Benchmark
    public int bareServer(Client client) throws IOException {
        return client.bare.get();
    }

    @Benchmark
    public int bareServerInvoke(Client client) throws IOException {
        return client.bareInvoke.get();
    }

    @Benchmark
    public int bareServerHop(Client client) throws IOException {
        return client.bareHop.get();
    }

    @Benchmark
    public int trigger(Client client) throws IOException {
        return client.trigger.get();
    }

    @Benchmark
    public int triggerTyped(Client client) throws IOException {
        return client.triggerTyped.get();
    }

    /** A keep-alive HTTP/1.1 connection that sends one fixed GET and reads the whole response. */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final byte[] request;
        private final byte[] body = new byte[256];
        private final StringBuilder line = new StringBuilder(64);

        Connection(int port, String path) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 8192);
            request = ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        /** Sends the request and reads the response; returns the body's length. */
        int get() throws IOException {
            out.write(request);
            out.flush();
            String status = readLine();
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException("unexpected response: " + status);
            }
            int length = 0;
            for (String header = readLine(); !header.isEmpty(); header = readLine()) {
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(header.substring(15).trim());
                }
            }
            int read = in.readNBytes(body, 0, length);
            if (read != length) {
                throw new IOException("the response ended after " + read + " of " + length + " bytes");
            }
            return length;
        }

        private String readLine() throws IOException {
            line.setLength(0);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("the server closed the connection");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
