package dev.faas.triggers.http;

import dev.faas.api.InvalidConfigException;
import dev.faas.api.Invoker;
import dev.faas.api.Trigger;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Function URLs: an HTTP/1.1 server (Helidon's WebServer, built for virtual threads) that routes
 * requests to functions.
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
 * "requestId"}}, never a stack trace or a package or library name; the server's own refusals, of
 * requests it cannot parse, too. 400 malformed JSON, wrong payload type, bad escapes, a malformed
 * request line, headers or body framing, an unknown invocation type, a blank idempotency key;
 * 401/403 refused by the route's {@link Authenticator}; 404 no route, or its function is not
 * deployed; 405 wrong method, with {@code Allow}; 413 body past {@link Builder#maxBodyBytes}
 * (refused by the server as it reads the headers, before routing); 414 a request line past
 * {@link Builder#maxHeaderBytes}; 429 throttled by the runtime or past {@link Builder#maxInFlight},
 * with {@code Retry-After}; 431 headers past {@code maxHeaderBytes} or {@link Builder#maxHeaders};
 * 500 the trigger failed (an output the codec cannot write), or a raw function's response cannot
 * be sent (a 1xx status, a header name that is not a token, a value with CR or LF; one WARN line
 * names the function); 502 the function failed (error, init error, memory limit; the details are
 * in its log and report, not in the response); 503 the runtime or the trigger is
 * closing, or the call was stopped by the runtime's close; 504 it timed out; 505 an HTTP/1.0
 * request. Every response carries {@value #REQUEST_ID_HEADER}: the invocation's request id when the
 * function ran, else the trigger's id for the request.
 *
 * <p><b>Invocation types.</b> {@value #INVOCATION_TYPE_HEADER}{@code : Event} queues an EVENT
 * invocation and answers 202 with its request id ({@value #IDEMPOTENCY_KEY_HEADER} makes a retried
 * delivery run once); {@code DryRun} checks the call and answers 204.
 *
 * <p><b>Limits</b>, each per trigger. The body is read incrementally up to the limit, and one whose
 * announced length is past it is refused before it is read; {@code Expect: 100-continue} is answered
 * only once the route's authenticator (if it does not read the body) and the announced length have
 * passed. A client that stalls is disconnected: past {@link Builder#headerTimeout} sending its
 * headers, past {@link Builder#bodyTimeout} its body (which frees its in-flight slot), past
 * {@link Builder#idleTimeout} between requests. At most {@link Builder#maxConnections} connections
 * are open and {@link Builder#maxInFlight} requests answered at once. A refusal sent before the
 * body was read closes the connection, so the rest of the body is never read.
 *
 * <p>HTTP/1.1 only, with keep-alive and pipelining (answered in order); HTTP/1.0 is answered 505.
 * A connection's requests run on its own virtual thread, which waits for the function's.
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
    /** The default {@link Builder#maxHeaderBytes}: 16 KB. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    /** The default {@link Builder#maxHeaders}. */
    public static final int DEFAULT_MAX_HEADERS = 100;
    /** The default {@link Builder#headerTimeout}. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    /** The default {@link Builder#bodyTimeout}. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    /** The default {@link Builder#idleTimeout}. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** The default {@link Builder#maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** The default {@link Builder#shutdownTimeout}: the runtime's default drain timeout. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(HttpTrigger.class);
    /**
     * Helidon's loggers that say INFO at every start and stop (bound, features, started, stopped):
     * turned down to WARNING, unless the host set their level. Held, as the JDK keeps loggers weakly.
     */
    @SuppressWarnings("UnusedVariable") // held, not read: a logger nobody holds loses its level
    private static final List<java.util.logging.Logger> HELIDON_LIFECYCLE_LOGGERS = quiet(
            "io.helidon.webserver.LoomServer",
            "io.helidon.webserver.ServerListener",
            "io.helidon.common.features.HelidonFeatures");

    private final Settings settings;
    private final String host;
    private final int requestedPort;
    private final Object lifecycle = new Object();
    private WebServer server; // guarded by lifecycle
    private InetSocketAddress bound; // guarded by lifecycle
    private ReadTimeouts timeouts; // guarded by lifecycle
    private RequestHandler handler; // guarded by lifecycle
    private boolean closed; // guarded by lifecycle

    /** The trigger's configuration, checked by its builder: what the server and every request read. */
    record Settings(
            String name,
            List<Route> routes,
            Codec codec,
            int maxBodyBytes,
            int maxInFlight,
            int maxHeaders,
            int maxHeaderBytes,
            Duration headerTimeout,
            Duration bodyTimeout,
            Duration idleTimeout,
            int maxConnections,
            Duration shutdownTimeout) {}

    private HttpTrigger(Builder builder) {
        List<Route> routes = new ArrayList<>(builder.routes);
        routes.sort(Route.SPECIFIC_FIRST);
        this.settings = new Settings(
                builder.name,
                List.copyOf(routes),
                builder.codec,
                builder.maxBodyBytes,
                builder.maxInFlight,
                builder.maxHeaders,
                builder.maxHeaderBytes,
                builder.headerTimeout,
                builder.bodyTimeout,
                builder.idleTimeout,
                builder.maxConnections,
                builder.shutdownTimeout);
        this.host = builder.host;
        this.requestedPort = builder.port;
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
                throw new InvalidConfigException(
                        "function",
                        "the route " + route.method + " " + route.pattern
                                + " of HTTP trigger '" + name() + "' names function '" + route.function
                                + "', which is not deployed: deploy it before adding the trigger");
            }
        }
        synchronized (lifecycle) {
            if (closed || server != null) {
                throw new IllegalStateException("the HTTP trigger '" + name() + "' was "
                        + (closed ? "closed" : "started") + " before: build a new one");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException unknown) {
                throw new UncheckedIOException(
                        "the HTTP trigger '" + name() + "' could not listen on " + host + ": the host is unknown",
                        unknown);
            }
            checkBindable(address);
            ReadTimeouts readTimeouts = new ReadTimeouts(name(), settings.headerTimeout(), settings.bodyTimeout());
            RequestHandler requests;
            WebServer started;
            try {
                requests = new RequestHandler(settings, invoker, readTimeouts);
                started = WebServer.builder()
                        .address(address)
                        .port(requestedPort)
                        .shutdownHook(false) // the runtime closes its triggers
                        .shutdownGracePeriod(Duration.ZERO) // close() has drained what it waits for
                        .maxTcpConnections(settings.maxConnections())
                        .idleConnectionTimeout(settings.idleTimeout())
                        .idleConnectionPeriod(idleCheckPeriod(settings.idleTimeout()))
                        .errorHandling(
                                ErrorHandling.builder().includeEntity(true).build()) // ServerRefusals reads it
                        .directHandlers(new ServerRefusals(
                                        name(), settings.maxHeaderBytes(), settings.maxBodyBytes(), readTimeouts)
                                .handlers())
                        // Helidon checks it as it reads each chunk's size, before it buffers the chunk.
                        .maxPayloadSize(settings.maxBodyBytes())
                        .protocolsDiscoverServices(false) // one HTTP/1.1 protocol: this one
                        .addProtocol(Http1Config.builder()
                                .maxPrologueLength(settings.maxHeaderBytes())
                                .maxHeadersSize(settings.maxHeaderBytes())
                                .validatePath(false) // the trigger decodes the path, and says what is wrong with it
                                .addReceiveListener(readTimeouts)
                                .build())
                        .routing(routing -> routing.any(requests))
                        .build()
                        .start();
                if (!started.isRunning()) { // Helidon logs why, and does not throw
                    throw new UncheckedIOException(
                            new BindException("the port is taken, or the address is not" + " this machine's"));
                }
            } catch (UncheckedIOException notBound) {
                readTimeouts.close();
                IOException cause = notBound.getCause();
                throw new UncheckedIOException(
                        "the HTTP trigger '" + name() + "' could not listen on " + host + ":" + requestedPort + ": "
                                + cause.getMessage(),
                        cause);
            } catch (RuntimeException | Error failure) {
                readTimeouts.close();
                throw failure;
            }
            server = started;
            bound = new InetSocketAddress(address, server.port());
            timeouts = readTimeouts;
            handler = requests;
        }
        log.info(
                "faas: HTTP trigger '{}' listening on {} ({} routes)",
                name(),
                uri(),
                settings.routes().size());
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
                throw new IllegalStateException(
                        "the HTTP trigger '" + name() + "' is not started: add it to a" + " runtime first");
            }
            return bound;
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
        return URI.create(
                "http://" + (hostText.contains(":") ? "[" + hostText + "]" : hostText) + ":" + address.getPort());
    }

    /**
     * Stops taking requests: new ones are answered 503 while those in flight finish, for up to the
     * shutdown timeout; then the server stops and its connections close, cutting off any request
     * still waiting for its function (the call itself runs on, under the runtime's own drain).
     * Idempotent. A runtime closes its triggers before it drains its calls.
     */
    @Override
    public void close() {
        WebServer stopping;
        ReadTimeouts stoppingTimeouts;
        RequestHandler draining;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = server;
            stoppingTimeouts = timeouts;
            draining = handler;
        }
        if (stopping == null) {
            return;
        }
        boolean interrupted = false;
        try {
            boolean drained;
            try {
                drained = draining.closeAndDrain(settings.shutdownTimeout().toNanos());
            } catch (InterruptedException e) {
                interrupted = true;
                drained = false;
            }
            if (!drained) {
                log.warn(
                        "faas: HTTP trigger '{}' closed with {} requests still in flight after {} ms",
                        name(),
                        draining.inFlight(),
                        settings.shutdownTimeout().toMillis());
            }
            // Helidon's stop() refuses to run on an interrupted thread, which would leave the port open:
            // the interrupt is held back until the server has stopped.
            interrupted |= Thread.interrupted();
            stopping.stop();
        } finally {
            stoppingTimeouts.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "HttpTrigger[" + name() + ", " + settings.routes().size() + " routes]";
    }

    private static List<java.util.logging.Logger> quiet(String... names) {
        List<java.util.logging.Logger> loggers = new ArrayList<>();
        for (String name : names) {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
            if (logger.getLevel() == null) {
                logger.setLevel(java.util.logging.Level.WARNING);
            }
            loggers.add(logger);
        }
        return List.copyOf(loggers);
    }

    /**
     * Binds the address once, as the server will: a taken port is then this trigger's clear error,
     * not Helidon's, which logs it with stack traces at SEVERE before its start returns quietly.
     */
    private void checkBindable(InetAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as Helidon binds
            probe.bind(new InetSocketAddress(address, requestedPort));
        } catch (IOException notBound) {
            throw new UncheckedIOException(
                    "the HTTP trigger '" + name() + "' could not listen on " + host + ":" + requestedPort + ": "
                            + notBound.getMessage(),
                    notBound);
        }
    }

    /** How often idle connections are looked for: a tenth of the timeout, 100 ms to 1 s. */
    private static Duration idleCheckPeriod(Duration idleTimeout) {
        return Duration.ofMillis(Math.clamp(idleTimeout.toMillis() / 10, 100, 1000));
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
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxHeaders = DEFAULT_MAX_HEADERS;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;

        private Builder() {}

        /**
         * The trigger's name, for logs. Default {@code http}.
         *
         * @param name not blank
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new InvalidConfigException(
                        "name",
                        "a trigger's name must not be blank, but was " + (name == null ? "null" : "'" + name + "'"));
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
                throw new InvalidConfigException(
                        "host",
                        "a trigger's host must not be blank, but was " + (host == null ? "null" : "'" + host + "'"));
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
                    throw new InvalidConfigException(
                            "path", "the routes " + existing + " and " + route + " take the same requests");
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
                throw new InvalidConfigException(
                        "maxBodyBytes", "maxBodyBytes must be at least 1, but was " + maxBodyBytes);
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
                throw new InvalidConfigException(
                        "maxInFlight", "maxInFlight must be at least 1, but was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * The longest request line, and the most bytes of headers, a request may have: a longer line
         * is answered 414, more header bytes 431. Default 16 KB.
         *
         * @param maxHeaderBytes at least 256
         * @return this builder
         */
        public Builder maxHeaderBytes(int maxHeaderBytes) {
            if (maxHeaderBytes < 256) {
                throw new InvalidConfigException(
                        "maxHeaderBytes", "maxHeaderBytes must be at least 256, but was " + maxHeaderBytes);
            }
            this.maxHeaderBytes = maxHeaderBytes;
            return this;
        }

        /**
         * The most headers a request may have; past it, it is answered 431. Default 100.
         *
         * @param maxHeaders at least 1
         * @return this builder
         */
        public Builder maxHeaders(int maxHeaders) {
            if (maxHeaders < 1) {
                throw new InvalidConfigException("maxHeaders", "maxHeaders must be at least 1, but was " + maxHeaders);
            }
            this.maxHeaders = maxHeaders;
            return this;
        }

        /**
         * How long a client may take to send a request's headers, from the end of its request line;
         * one that takes longer is disconnected. Default 10 s.
         *
         * @param headerTimeout more than zero
         * @return this builder
         */
        public Builder headerTimeout(Duration headerTimeout) {
            this.headerTimeout = positive("headerTimeout", headerTimeout);
            return this;
        }

        /**
         * How long a client may take to send a request's body, from the moment its route starts
         * reading it; one that takes longer is disconnected, which frees its slot of
         * {@link #maxInFlight}. Default 30 s.
         *
         * @param bodyTimeout more than zero
         * @return this builder
         */
        public Builder bodyTimeout(Duration bodyTimeout) {
            this.bodyTimeout = positive("bodyTimeout", bodyTimeout);
            return this;
        }

        /**
         * How long a kept-alive connection may wait for its next request (or a new one for its
         * first) before it is closed. Default 60 s.
         *
         * @param idleTimeout more than zero
         * @return this builder
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = positive("idleTimeout", idleTimeout);
            return this;
        }

        /**
         * The most connections open at once; past it, new ones wait in the listen backlog until one
         * closes. Default 10,000.
         *
         * @param maxConnections at least 1
         * @return this builder
         */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new InvalidConfigException(
                        "maxConnections", "maxConnections must be at least 1, but was " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        private static Duration positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new InvalidConfigException(name, name + " must be more than zero, but was " + value);
            }
            return value;
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
                throw new InvalidConfigException(
                        "shutdownTimeout", "shutdownTimeout must be zero or more, but was " + shutdownTimeout);
            }
            this.shutdownTimeout = shutdownTimeout;
            return this;
        }

        /**
         * Builds the trigger; it listens once a runtime starts it.
         *
         * @throws InvalidConfigException if it has no route, or its codec's content type is no header value
         */
        public HttpTrigger build() {
            if (routes.isEmpty()) {
                throw new InvalidConfigException("routes", "an HTTP trigger needs at least one route");
            }
            String contentType = codec.contentType();
            if (contentType == null || contentType.isBlank() || !RawResponses.isFieldValue(contentType)) {
                throw new InvalidConfigException(
                        "codec",
                        "the codec's contentType() must be a header value such" + " as application/json, but was "
                                + (contentType == null ? "null" : Json.quote(contentType)));
            }
            return new HttpTrigger(this);
        }
    }
}
