package dev.faas.benchmarks;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
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
 * Requests per second through the HTTP trigger, against bare servers answering the same body, in
 * one run. Four client threads, each on its own keep-alive connection, send {@code GET} requests
 * and read the whole response; the client is a plain socket, so that its cost is small and the
 * same for every server.
 * <ul>
 *   <li>{@code bareHelidon}: a Helidon 4 WebServer, the trigger's server, writing a fixed JSON body
 *       (the reference: what a user who wrote a handler of their own would get);
 *   <li>{@code bareHelidonHop}: the same, but the handler starts a virtual thread and joins it: the
 *       least any server pays that runs each call on a thread of its own, as the runtime does;
 *   <li>{@code bareHelidonInvoke}: the same server whose handler calls the function itself (the
 *       peer: the invocation's cost without the trigger's; the trigger's own overhead is its
 *       distance from this);
 *   <li>{@code bareJetty}: a Jetty 12 server on virtual threads writing the same body;
 *   <li>{@code bareServer}, {@code bareServerHop}, {@code bareServerInvoke}: the JDK's HttpServer on
 *       virtual threads, likewise (the server the trigger ran on before Helidon);
 *   <li>{@code trigger}: the trigger, {@code GET /hello} to a function that takes nothing;
 *   <li>{@code triggerTyped}: the trigger, {@code GET /greet/{name}} bound to a record input.
 * </ul>
 *
 * <p>The servers are {@link HttpServers}'; {@code benchmarks/wrk.sh} loads the same ones with wrk.
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

    HttpServers servers;

    @Setup
    public void setUp() throws Exception {
        servers = HttpServers.start();
    }

    @TearDown
    public void tearDown() {
        servers.close();
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
        Connection helidonHop;
        Connection helidonInvoke;
        Connection jetty;

        @Setup(Level.Trial)
        public void connect(HttpTriggerBenchmark benchmark) throws IOException {
            HttpServers servers = benchmark.servers;
            helidon = new Connection(servers.port("bareHelidon"), "/hello");
            helidonHop = new Connection(servers.port("bareHelidonHop"), "/hello");
            helidonInvoke = new Connection(servers.port("bareHelidonInvoke"), "/hello");
            jetty = new Connection(servers.port("bareJetty"), "/hello");
            bare = new Connection(servers.port("bareServer"), "/hello");
            bareInvoke = new Connection(servers.port("bareServerInvoke"), "/hello");
            bareHop = new Connection(servers.port("bareServerHop"), "/hello");
            trigger = new Connection(servers.port("trigger"), "/hello");
            triggerTyped = new Connection(servers.port("trigger"), "/greet/ada");
        }

        @TearDown(Level.Trial)
        public void disconnect() throws IOException {
            for (Connection connection : new Connection[] {
                bare, bareInvoke, bareHop, trigger, triggerTyped, helidon, helidonHop, helidonInvoke, jetty
            }) {
                connection.close();
            }
        }
    }

    @Benchmark
    public int bareHelidon(Client client) throws IOException {
        return client.helidon.get();
    }

    @Benchmark
    public int bareHelidonHop(Client client) throws IOException {
        return client.helidonHop.get();
    }

    @Benchmark
    public int bareHelidonInvoke(Client client) throws IOException {
        return client.helidonInvoke.get();
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
