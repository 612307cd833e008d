package dev.faas.triggers.http;

import com.sun.net.httpserver.HttpServer;
import dev.faas.api.InvalidConfigException;
import dev.faas.api.Invoker;
import dev.faas.api.Trigger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Function URLs: an HTTP/1.1 server, the JDK's own, that routes requests to functions.
 *
 * <pre>{@code
 * HttpTrigger http = HttpTrigger.builder()
 *         .route("GET", "/prices/{symbol}", "price-lookup")
 *         .route("POST", "/orders", "create-order", Authenticator.bearerToken(token))
 *         .port(8080)
 *         .build();
 * runtime.addTrigger(http);   // listening now; closed with the runtime
 * }</pre>
 *
 * <p><b>Payloads.</b> A function that takes {@link dev.faas.api.events.HttpRequestEvent} gets the raw
 * request (method, path, parameters, headers, body). Any other gets its input bound by the
 * {@link Codec} (JSON by default): from the body, with path and query parameters filling the fields
 * it does not set, or from the parameters alone when there is no body (a string, number or boolean
 * input is the route's first path parameter); a {@code Void} input takes nothing. An output that
 * is an {@link dev.faas.api.events.HttpResponseEvent} is the response as it is; any other is written
 * by the codec with 200, and none (null) is a 204. A {@code HEAD} request takes the {@code GET}
 * route, and its response has no body.
 *
 * <p><b>Status codes.</b> Errors carry a small JSON body, {@code {"errorType", "message",
 * "requestId"}}, never a stack trace: 400 malformed JSON, wrong payload type, bad escapes, a
 * {@code Content-Length} that is not a length or an unknown invocation type; 401/403 refused by the
 * route's {@link Authenticator}; 404 no route, or its function is not deployed; 405 wrong method,
 * with {@code Allow}; 413 body past {@link Builder#maxBodyBytes}; 429 throttled by the runtime or
 * past {@link Builder#maxInFlight}, with {@code Retry-After}; 500 the trigger failed (an output the
 * codec cannot write); 502 the function failed (error, init error, memory limit; the details are in
 * its log and report, not in the response); 503 the runtime or the trigger is closing, or the call
 * was stopped by the runtime's close; 504 it timed out. Every response carries
 * {@value #REQUEST_ID_HEADER}: the invocation's request id when the function ran, else the
 * trigger's id for the request.
 *
 * <p><b>Invocation types.</b> {@value #INVOCATION_TYPE_HEADER}{@code : Event} queues an EVENT
 * invocation and answers 202 with its request id ({@value #IDEMPOTENCY_KEY_HEADER} makes a retried
 * delivery run once); {@code DryRun} checks the call and answers 204.
 *
 * <p><b>Limits.</b> The body is read incrementally up to the limit, and one whose announced length
 * is past it is refused before it is read. At most {@code maxInFlight} requests are answered at once.
 * Header size and count, and idle connections, are limited by the JDK's server through JVM-wide
 * system properties: {@code sun.net.httpserver.maxReqHeaderSize} (380 KB by default),
 * {@code sun.net.httpserver.maxReqHeaders} (200), {@code sun.net.httpserver.idleInterval} (30 s),
 * {@code sun.net.httpserver.maxReqTime} and {@code maxRspTime} (unlimited by default: set them
 * against slow clients), and {@code sun.net.httpserver.drainAmount} (64 KB: how much of a refused
 * request's unread body is read before its connection is dropped).
 *
 * <p>Requests run on threads from {@link Invoker#threadFactory()}: virtual threads of the scheduler
 * the runtime's invocations run on.
 */
public final class HttpTrigger implements Trigger {

    /** The response header that carries the request id. */
    public static final String REQUEST_ID_HEADER = "X-Faas-Request-Id";
    /** The request header that picks the invocation type: RequestResponse (the default), Event or DryRun. */
    public static final String INVOCATION_TYPE_HEADER = "X-Faas-Invocation-Type";
    /** The request header whose value makes repeated EVENT deliveries run once. */
    public static final String IDEMPOTENCY_KEY_HEADER = "X-Faas-Idempotency-Key";
    /** The default {@link Builder#maxBodyBytes}: 6 MB, Lambda's synchronous payload limit. */
    public static final int DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
    /** The default {@link Builder#maxInFlight}. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;
    /** The default {@link Builder#shutdownTimeout}: the runtime's default drain timeout. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(HttpTrigger.class);

    private final Settings settings;
    private final String host;
    private final int requestedPort;
    private final Duration shutdownTimeout;
    private final Object lifecycle = new Object();
    private HttpServer server;             // guarded by lifecycle
    private ExecutorService threads;       // guarded by lifecycle
    private RequestHandler handler;        // guarded by lifecycle
    private boolean closed;                // guarded by lifecycle

    /** What every request reads: immutable. */
    record Settings(String name, List<Route> routes, int maxBodyBytes, int maxInFlight, Codec codec) {
    }

    private HttpTrigger(Builder builder) {
        List<Route> routes = new ArrayList<>(builder.routes);
        routes.sort(Route.SPECIFIC_FIRST);
        this.settings = new Settings(builder.name, List.copyOf(routes), builder.maxBodyBytes, builder.maxInFlight,
                builder.codec);
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.shutdownTimeout = builder.shutdownTimeout;
    }

    /** Starts building a trigger: loopback, a free port, no routes yet. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return settings.name();
    }

    /**
     * Binds the server and starts answering.
     *
     * @throws InvalidConfigException if a route names a function that is not deployed
     * @throws UncheckedIOException if the address cannot be bound (the port is taken)
     * @throws IllegalStateException if the trigger was started before
     */
    @Override
    public void start(Invoker invoker) {
        Objects.requireNonNull(invoker, "invoker");
        for (Route route : settings.routes()) {
            if (invoker.describe(route.function).isEmpty()) {
                throw new InvalidConfigException("function", "the route " + route.method + " " + route.pattern
                        + " of HTTP trigger '" + name() + "' names function '" + route.function
                        + "', which is not deployed: deploy it before adding the trigger");
            }
        }
        synchronized (lifecycle) {
            if (closed || server != null) {
                throw new IllegalStateException("the HTTP trigger '" + name() + "' was " + (closed ? "closed" : "started")
                        + " before: build a new one");
            }
            HttpServer bound;
            try {
                bound = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), requestedPort), 0);
            } catch (IOException e) {
                throw new UncheckedIOException("the HTTP trigger '" + name() + "' could not listen on " + host + ":"
                        + requestedPort + ": " + e.getMessage(), e);
            }
            ExecutorService requestThreads = null;
            try {
                requestThreads = Executors.newThreadPerTaskExecutor(invoker.threadFactory());
                RequestHandler requests = new RequestHandler(settings, invoker);
                bound.setExecutor(requestThreads);
                bound.createContext("/", requests);
                bound.start();
                server = bound;
                threads = requestThreads;
                handler = requests;
            } catch (RuntimeException | Error failure) { // let go of the port
                bound.stop(0);
                if (requestThreads != null) {
                    requestThreads.shutdown();
                }
                throw failure;
            }
        }
        log.info("faas: HTTP trigger '{}' listening on {} ({} routes)", name(), uri(), settings.routes().size());
    }

    /**
     * The port the server listens on: the one asked for, or the free one picked for port 0.
     *
     * @throws IllegalStateException before the trigger is started
     */
    public int port() {
        return address().getPort();
    }

    /**
     * The address the server listens on.
     *
     * @throws IllegalStateException before the trigger is started
     */
    public InetSocketAddress address() {
        synchronized (lifecycle) {
            if (server == null) {
                throw new IllegalStateException("the HTTP trigger '" + name() + "' is not started: add it to a"
                        + " runtime first");
            }
            return server.getAddress();
        }
    }

    /**
     * The server's base URI, such as {@code http://127.0.0.1:8080}.
     *
     * @throws IllegalStateException before the trigger is started
     */
    public URI uri() {
        InetSocketAddress address = address();
        String hostText = address.getAddress().getHostAddress();
        return URI.create("http://" + (hostText.contains(":") ? "[" + hostText + "]" : hostText) + ":"
                + address.getPort());
    }

    /**
     * Stops taking requests: new ones are answered 503 while those in flight finish, for up to the
     * shutdown timeout; then the server stops and its connections close, cutting off any request
     * still waiting for its function (the call itself runs on, under the runtime's own drain).
     * Idempotent. A runtime closes its triggers before it drains its calls.
     */
    @Override
    public void close() {
        HttpServer stopping;
        ExecutorService stoppingThreads;
        RequestHandler draining;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = server;
            stoppingThreads = threads;
            draining = handler;
        }
        if (stopping == null) {
            return;
        }
        boolean drained;
        try {
            drained = draining.closeAndDrain(shutdownTimeout.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            log.warn("faas: HTTP trigger '{}' closed with {} requests still in flight after {} ms", name(),
                    draining.inFlight(), shutdownTimeout.toMillis());
        }
        stopping.stop(0);
        stoppingThreads.shutdown();
    }

    @Override
    public String toString() {
        return "HttpTrigger[" + name() + ", " + settings.routes().size() + " routes]";
    }

    /** Requests admitted and not yet counted out; for tests. */
    int inFlight() {
        synchronized (lifecycle) {
            return handler == null ? 0 : handler.inFlight();
        }
    }

    /** Builds an {@link HttpTrigger}; every setting has a default. */
    public static final class Builder {
        private String name = "http";
        private String host = "127.0.0.1";
        private int port;
        private final List<Route> routes = new ArrayList<>();
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Codec codec = Codec.jackson();
        private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;

        private Builder() {
        }

        /**
         * The trigger's name, for logs. Default {@code http}.
         *
         * @param name not blank
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new InvalidConfigException("name", "a trigger's name must not be blank, but was "
                        + (name == null ? "null" : "'" + name + "'"));
            }
            this.name = name;
            return this;
        }

        /**
         * The address to listen on. Default {@code 127.0.0.1}, the loopback only; {@code 0.0.0.0}
         * listens on every interface.
         *
         * @param host a host name or address
         * @return this builder
         */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new InvalidConfigException("host", "a trigger's host must not be blank, but was "
                        + (host == null ? "null" : "'" + host + "'"));
            }
            this.host = host;
            return this;
        }

        /**
         * The port to listen on. Default 0: a free port, which {@link HttpTrigger#port()} tells.
         *
         * @param port 0 to 65535
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new InvalidConfigException("port", "port must be between 0 and 65535, but was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Routes requests to a function.
         *
         * @param method the HTTP method, upper case
         * @param path the path pattern, starting with '/'; a whole segment {@code {name}} captures a path parameter
         * @param function the function's name; it must be deployed when the trigger starts
         * @return this builder
         * @throws InvalidConfigException if the route is malformed, or another takes the same method and paths
         */
        public Builder route(String method, String path, String function) {
            return add(new Route(method, path, function, null));
        }

        /**
         * Routes requests to a function, after the authenticator allows them.
         *
         * @param method the HTTP method, upper case
         * @param path the path pattern; see {@link #route(String, String, String)}
         * @param function the function's name
         * @param authenticator decides, for each request, whether it goes on
         * @return this builder
         */
        public Builder route(String method, String path, String function, Authenticator authenticator) {
            return add(new Route(method, path, function, Objects.requireNonNull(authenticator, "authenticator")));
        }

        private Builder add(Route route) {
            for (Route existing : routes) {
                if (existing.sameAs(route)) {
                    throw new InvalidConfigException("path", "the routes " + existing + " and " + route
                            + " take the same requests");
                }
            }
            routes.add(route);
            return this;
        }

        /**
         * The largest request body taken; a larger one is answered 413. Default 6 MB.
         *
         * @param maxBodyBytes at least 1
         * @return this builder
         */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new InvalidConfigException("maxBodyBytes", "maxBodyBytes must be at least 1, but was "
                        + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /**
         * How many requests are answered at once; past it they are answered 429. Default 10,000.
         *
         * @param maxInFlight at least 1
         * @return this builder
         */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new InvalidConfigException("maxInFlight", "maxInFlight must be at least 1, but was "
                        + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * How typed functions' inputs are read and outputs written. Default {@link Codec#jackson()}.
         *
         * @param codec the codec
         * @return this builder
         */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * How long {@link HttpTrigger#close()} lets requests in flight finish. Default 30 s, the
         * runtime's own default drain timeout.
         *
         * @param shutdownTimeout zero or more
         * @return this builder
         */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
                throw new InvalidConfigException("shutdownTimeout", "shutdownTimeout must be zero or more, but was "
                        + shutdownTimeout);
            }
            this.shutdownTimeout = shutdownTimeout;
            return this;
        }

        /**
         * Builds the trigger; it listens once a runtime starts it.
         *
         * @throws InvalidConfigException if it has no route
         */
        public HttpTrigger build() {
            if (routes.isEmpty()) {
                throw new InvalidConfigException("routes", "an HTTP trigger needs at least one route");
            }
            return new HttpTrigger(this);
        }
    }
}
