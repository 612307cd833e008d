package dev.faas.examples;

import dev.faas.api.Context;
import dev.faas.api.FunctionConfig;
import dev.faas.api.FunctionRef;
import dev.faas.api.FunctionSpec;
import dev.faas.api.Handler;
import dev.faas.api.InvocationReport;
import dev.faas.api.ManualClock;
import dev.faas.api.Outcome;
import dev.faas.api.ThrottledException;
import dev.faas.api.events.BatchResponse;
import dev.faas.api.events.ObjectCreatedEvent;
import dev.faas.api.events.QueueBatchEvent;
import dev.faas.api.events.ScheduledEvent;
import dev.faas.api.ledger.Ledger;
import dev.faas.api.ledger.Usage;
import dev.faas.core.FaasRuntime;
import dev.faas.triggers.http.HttpTrigger;
import dev.faas.triggers.objects.DirectoryStore;
import dev.faas.triggers.objects.ObjectTrigger;
import dev.faas.triggers.queue.MessageQueue;
import dev.faas.triggers.queue.QueueTrigger;
import dev.faas.triggers.schedule.Schedule;
import dev.faas.triggers.schedule.ScheduleTrigger;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The examples application: deploys three functions (one with a slow cold start, one I/O-bound,
 * one that fails now and then), drives a few hundred concurrent calls through them, and prints
 * what happened, function by function; runs a week of schedules on a manual clock (hourly orders, a
 * nightly cost report from the ledger); moves orders between two functions through a queue; makes
 * thumbnails of uploaded images with an object trigger; then
 * exposes price-lookup over HTTP, calls it as curl would,
 * and exits (or, with {@code -Dfaas.examples.serve=8080}, keeps serving it until Ctrl-C).
 *
 * <p>Run it with {@code mvn -q -B -DskipTests -Pexamples verify} from the repository root.
 */
public final class Demo {

    private static final Path REPORT_LOG = Path.of("target", "invocations.log");

    private Demo() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        run(calls, 200, System.out, Integer.getInteger("faas.examples.serve", -1));
    }

    /**
     * Runs the demo.
     *
     * @param calls how many invocations to make in all
     * @param inFlight how many callers at once
     * @param out where to print
     * @param servePort a port to keep serving price-lookup on until interrupted; -1 to return at once
     */
    static void run(int calls, int inFlight, PrintStream out, int servePort) throws InterruptedException, IOException {
        try (FaasRuntime runtime = FaasRuntime.builder().concurrencyLimit(150).build()) {
            List<FunctionRef<String, String>> functions = List.of(
                    runtime.deploy(FunctionSpec.of("thumbnail", String.class, String.class, Thumbnail::new)
                            .withConfig(FunctionConfig.builder()
                                    .memoryMb(1024)
                                    .timeout(Duration.ofSeconds(2))
                                    .allocationLimitMb(64)
                                    .build())),
                    runtime.deploy(FunctionSpec.of("price-lookup", String.class, String.class, () -> Demo::lookUpPrice)
                            .withConfig(FunctionConfig.builder()
                                    .memoryMb(256)
                                    .reservedConcurrency(40)
                                    .build())),
                    runtime.deploy(FunctionSpec.of("payment", String.class, String.class, () -> Demo::pay)
                            .withConfig(FunctionConfig.builder()
                                    .memoryMb(512)
                                    .timeout(Duration.ofMillis(150))
                                    .build())));
            out.printf(
                    "Deployed %d functions; driving %d calls, %d at a time, through a runtime limited to %d"
                            + " concurrent executions.%n%n",
                    functions.size(), calls, inFlight, 150);

            Map<String, Tally> tallies = new ConcurrentHashMap<>();
            Semaphore callers = new Semaphore(inFlight);
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>(calls);
            for (int i = 0; i < calls; i++) {
                FunctionRef<String, String> function = functions.get(i % functions.size());
                String input = "order-" + i;
                callers.acquire();
                threads.add(Thread.ofVirtual().start(() -> {
                    Tally tally = tallies.computeIfAbsent(function.name(), name -> new Tally());
                    try {
                        tally.reports.add(invokeRetryingThrottles(function, input, tally));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        callers.release();
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            Duration wall = Duration.ofNanos(System.nanoTime() - start);

            printSummary(out, functions, tallies, runtime, wall);
            simulateAWeekOfSchedules(out);
            moveWorkThroughAQueue(runtime, out);
            makeThumbnailsOfUploads(runtime, out);
            serveOverHttp(runtime, out, servePort);
        }
        printReportLines(out);
    }

    /**
     * A week of schedules in a moment, on a manual clock: an order every hour, and at 02:00 in Berlin
     * a cost report, read from the ledger, of the 24 hours before it.
     */
    private static void simulateAWeekOfSchedules(PrintStream out) {
        ManualClock clock = new ManualClock(Instant.parse("2027-01-03T01:30:00Z"));
        try (FaasRuntime week =
                FaasRuntime.builder().clock(clock).reportLog(false).build()) {
            week.deploy(FunctionSpec.of(
                    "orders", ScheduledEvent.class, String.class, () -> (tick, context) -> "order of " + tick.time()));
            week.deploy(FunctionSpec.of("cost-report", ScheduledEvent.class, Usage.class, () -> (tick, context) -> {
                Instant end = tick.scheduledTime();
                Usage day = week.ledger().usage("orders", end.minus(Duration.ofDays(1)), end);
                out.printf(
                        Locale.ROOT,
                        "  %s  orders in the 24 h before: %d calls, %s USD%n",
                        end,
                        day.requests(),
                        day.cost().setScale(8, RoundingMode.HALF_UP).toPlainString());
                return day;
            }));
            out.printf(
                    "%nA week of schedules on a manual clock, from %s: orders every hour, and at 02:00 in"
                            + " Berlin a cost report from the ledger:%n",
                    clock.now());
            week.addTrigger(ScheduleTrigger.builder()
                    .schedule(Schedule.builder("traffic", "rate(1 hour)", "orders")
                            .build())
                    .schedule(Schedule.builder("nightly-cost-report", "cron(0 2 * * ? *)", "cost-report")
                            .zone("Europe/Berlin")
                            .build())
                    .build());
            clock.advance(Duration.ofDays(7));
        }
    }

    /**
     * Work moved between two functions through a queue: intake sends each order to it, and a queue
     * trigger hands fulfil batches; one order fails once, is reported in a BatchResponse, and comes
     * back alone after its visibility timeout.
     */
    private static void moveWorkThroughAQueue(FaasRuntime runtime, PrintStream out) throws InterruptedException {
        int orderCount = 40;
        MessageQueue orders = MessageQueue.builder("orders")
                .clock(runtime.clock())
                .visibilityTimeout(Duration.ofSeconds(2))
                .build();
        Set<String> fulfilled = ConcurrentHashMap.newKeySet();
        AtomicInteger batches = new AtomicInteger();
        CountDownLatch allFulfilled = new CountDownLatch(orderCount);
        AtomicBoolean failedOnce = new AtomicBoolean();
        runtime.deploy(
                FunctionSpec.of("intake", String.class, String.class, () -> (order, context) -> orders.send(order)));
        runtime.deploy(FunctionSpec.of("fulfil", QueueBatchEvent.class, BatchResponse.class, () -> (batch, context) -> {
                    batches.incrementAndGet();
                    List<String> failed = new ArrayList<>();
                    for (QueueBatchEvent.Message message : batch.messages()) {
                        if (message.body().equals("order-13") && failedOnce.compareAndSet(false, true)) {
                            failed.add(message.messageId()); // out of stock, this time
                        } else if (fulfilled.add(message.body())) {
                            allFulfilled.countDown();
                        }
                    }
                    return BatchResponse.failed(failed.toArray(String[]::new));
                })
                .withConfig(
                        FunctionConfig.builder().timeout(Duration.ofSeconds(1)).build()));
        long start = System.nanoTime();
        for (int i = 0; i < orderCount; i++) {
            runtime.invoke("intake", "order-" + i);
        }
        runtime.addTrigger(QueueTrigger.builder(orders, "fulfil")
                .reportBatchItemFailures(true)
                .build());
        boolean done = allFulfilled.await(30, TimeUnit.SECONDS);
        out.printf(
                Locale.ROOT,
                "%nOrders through a queue: intake sent %d to queue 'orders'; fulfil took them in %d batches,"
                        + " order-13 failed once and came back alone after its 2 s visibility timeout; %s in %d ms%n",
                orderCount,
                batches.get(),
                done ? "all " + fulfilled.size() + " fulfilled" : "only " + fulfilled.size() + " fulfilled",
                Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    /**
     * The seed's example of a function an upload triggers: each image in {@code target/uploads/}
     * gets a thumbnail in {@code target/thumbnails/}. The demo uploads two; while it serves, more
     * can be dropped there.
     */
    private static void makeThumbnailsOfUploads(FaasRuntime runtime, PrintStream out)
            throws IOException, InterruptedException {
        DirectoryStore images =
                DirectoryStore.builder(Path.of("target")).name("images").build();
        Map<String, String> made = new ConcurrentHashMap<>();
        CountDownLatch madeBoth = new CountDownLatch(2);
        runtime.deploy(FunctionSpec.of(
                "thumbnails", ObjectCreatedEvent.class, String.class, () -> (upload, context) -> {
                    String thumbnail = Thumbnails.write(images, upload.key(), 128);
                    if (made.put(upload.key(), thumbnail) == null) {
                        madeBoth.countDown();
                    }
                    return thumbnail;
                }));
        long start = System.nanoTime();
        runtime.addTrigger(ObjectTrigger.builder(images, "thumbnails")
                .prefix("uploads/")
                .stateInMemory() // each run makes every thumbnail again
                .build());
        Map<String, byte[]> uploads = Map.of(
                "uploads/sunset.png", Thumbnails.gradient(640, 480, "png"),
                "uploads/tower.jpg", Thumbnails.gradient(300, 900, "jpeg"));
        for (Map.Entry<String, byte[]> upload : uploads.entrySet()) {
            images.put(upload.getKey(), upload.getValue());
        }
        boolean done = madeBoth.await(30, TimeUnit.SECONDS);
        out.printf("%nThumbnails of uploads (an object trigger on %s, prefix uploads/, settle 1 s):%n", images.root());
        for (String key : new TreeSet<>(uploads.keySet())) {
            String thumbnail = made.get(key);
            out.printf(
                    "  %s %s -> %s%n",
                    key,
                    Thumbnails.size(uploads.get(key)),
                    thumbnail == null ? "(not made)" : thumbnail + " " + Thumbnails.size(images.read(thumbnail)));
        }
        out.printf(
                Locale.ROOT,
                "  %s in %d ms; while it serves, drop a JPEG or PNG into %s%n",
                done ? "both made" : "not both made",
                Duration.ofNanos(System.nanoTime() - start).toMillis(),
                images.root().resolve("uploads"));
    }

    /** Exposes price-lookup at {@code GET /prices/{item}} and calls it over HTTP. */
    private static void serveOverHttp(FaasRuntime runtime, PrintStream out, int servePort)
            throws IOException, InterruptedException {
        HttpTrigger http = HttpTrigger.builder()
                .route("GET", "/prices/{item}", "price-lookup")
                .port(Math.max(servePort, 0))
                .build();
        runtime.addTrigger(http);
        URI uri = http.uri().resolve("/prices/espresso");
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response =
                    client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            out.printf(
                    "%nprice-lookup over HTTP, as curl -i %s would call it:%n  GET %s -> %d, %s: %s%n  %s%n",
                    uri,
                    uri.getPath(),
                    response.statusCode(),
                    HttpTrigger.REQUEST_ID_HEADER,
                    response.headers().firstValue(HttpTrigger.REQUEST_ID_HEADER).orElse("?"),
                    response.body());
        }
        if (servePort < 0) {
            out.printf("  (the server stops with this run; to keep it serving on port 8080 until Ctrl-C, run%n"
                    + "   mvn -q -B -DskipTests -Pexamples verify -Dfaas.examples.serve=8080)%n");
        } else {
            out.printf("%nServing %s until Ctrl-C: curl -i %s%n", http.uri(), uri);
            // Ctrl-C: close the runtime (its trigger drains, its journal flushes) before the JVM ends.
            Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "faas-examples-shutdown"));
            new CountDownLatch(1).await(); // until the JVM is stopped
        }
    }

    /** What a well-behaved client does with a throttle: waits a little, with jitter, and tries again. */
    private static InvocationReport invokeRetryingThrottles(
            FunctionRef<String, String> function, String input, Tally tally) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return function.invokeForReport(input);
            } catch (ThrottledException throttled) {
                tally.throttled.incrementAndGet();
                Thread.sleep(Math.min(attempt, 10) * 10L
                        + ThreadLocalRandom.current().nextInt(10));
            }
        }
    }

    // ---- the three functions ----

    /** Loads a "model" on every cold start (the INIT phase), then resizes quickly. */
    static final class Thumbnail implements Handler<String, String> {
        private final byte[] model;

        Thumbnail() throws InterruptedException {
            Thread.sleep(300); // reading a model from disk
            model = new byte[1024];
        }

        @Override
        public String handle(String image, Context context) {
            byte[] pixels = new byte[256 * 1024]; // the decoded image: metered, against its 64 MB limit
            return image + ".thumb(" + model.length + "/" + pixels.length + ")";
        }
    }

    /** I/O-bound: waits 20 to 60 ms on a pretend remote service. */
    static String lookUpPrice(String item, Context context) throws InterruptedException {
        Thread.sleep(ThreadLocalRandom.current().nextInt(20, 61));
        return item + ": 9.99 EUR";
    }

    /** Usually quick; declined one order in ten; one in fifty stuck past its 150 ms timeout. */
    static String pay(String order, Context context) throws InterruptedException {
        int roll = Math.floorMod(order.hashCode() * 31 + 7, 100); // the same orders fail on every run
        if (roll < 10) {
            throw new IllegalStateException("card declined for " + order);
        }
        Thread.sleep(roll < 12 ? 1_000 : 5);
        return order + ": paid";
    }

    // ---- output ----

    private static void printSummary(
            PrintStream out,
            List<FunctionRef<String, String>> functions,
            Map<String, Tally> tallies,
            FaasRuntime runtime,
            Duration wall) {
        out.printf(
                "%-13s %6s %6s %6s %8s %10s %11s %12s %9s %9s%n",
                "function",
                "calls",
                "ok",
                "errors",
                "timeouts",
                "throttled*",
                "cold starts",
                "p50 init ms",
                "p50 ms",
                "p99 ms");
        Duration busy = Duration.ZERO;
        for (FunctionRef<String, String> function : functions) {
            Tally tally = tallies.getOrDefault(function.name(), new Tally());
            List<InvocationReport> reports = List.copyOf(tally.reports);
            long[] nanos = reports.stream()
                    .mapToLong(r -> r.duration().toNanos())
                    .sorted()
                    .toArray();
            long[] initNanos = reports.stream()
                    .flatMap(r -> r.initDuration().stream())
                    .mapToLong(Duration::toNanos)
                    .sorted()
                    .toArray();
            out.printf(
                    "%-13s %6d %6d %6d %8d %10d %11d %12s %9s %9s%n",
                    function.name(),
                    reports.size(),
                    count(reports, Outcome.SUCCESS),
                    count(reports, Outcome.ERROR),
                    count(reports, Outcome.TIMEOUT),
                    tally.throttled.get(),
                    initNanos.length,
                    millis(percentile(initNanos, 50)),
                    millis(percentile(nanos, 50)),
                    millis(percentile(nanos, 99)));
            for (InvocationReport report : reports) {
                busy = busy.plus(report.duration()).plus(report.initDuration().orElse(Duration.ZERO));
            }
        }
        out.printf("* attempts refused with a ThrottledException and tried again by the caller: one call may be"
                + " throttled several times.%n");
        out.printf(
                "%nWall time %d ms for %d ms of function time (INIT included): %.0fx faster than one call after"
                        + " another.%n",
                wall.toMillis(), busy.toMillis(), (double) busy.toNanos() / wall.toNanos());

        Ledger ledger = runtime.ledger();
        out.printf("%nThe billing ledger (Lambda x86_64 prices; INIT is billed):%n");
        out.printf("%-13s %9s %11s %14s %14s%n", "function", "requests", "billed ms", "GB-seconds", "cost USD");
        for (FunctionRef<String, String> function : functions) {
            printUsage(out, function.name(), ledger.usage(function.name()));
        }
        printUsage(out, "all", ledger.usage());
    }

    private static void printUsage(PrintStream out, String name, Usage usage) {
        out.printf(
                "%-13s %9d %11d %14s %14s%n",
                name,
                usage.requests(),
                usage.billedDurationMs(),
                usage.gbSeconds().toPlainString(),
                usage.cost().setScale(10, RoundingMode.HALF_UP).toPlainString());
    }

    /** One REPORT line of each kind: a cold start, a warm call, a failure. */
    private static void printReportLines(PrintStream out) throws IOException {
        if (!Files.exists(REPORT_LOG)) {
            return;
        }
        List<String> reports;
        try (Stream<String> lines = Files.lines(REPORT_LOG)) {
            reports = lines.filter(line -> line.contains("REPORT RequestId"))
                    .map(line -> line.substring(line.indexOf("REPORT")))
                    .toList();
        }
        out.printf(
                "%nOne REPORT line per invocation is in %s (%d lines); a cold start and a warm call of the"
                        + " metered thumbnail function, and a timeout:%n",
                REPORT_LOG.toAbsolutePath().normalize(), reports.size());
        Stream.<Predicate<String>>of(
                        line -> line.contains("Init Duration")
                                && line.contains("Allocated")
                                && !line.contains("Status"),
                        line -> !line.contains("Init Duration")
                                && line.contains("Allocated")
                                && !line.contains("Status"),
                        line -> line.contains("Status: timeout"))
                .forEach(kind -> reports.stream().filter(kind).findFirst().ifPresent(line -> out.println("  " + line)));
    }

    /** Milliseconds with two decimals: most warm calls take well under one. */
    private static String millis(long nanos) {
        return BigDecimal.valueOf(nanos, 6).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    private static long count(List<InvocationReport> reports, Outcome outcome) {
        return reports.stream().filter(r -> r.outcome() == outcome).count();
    }

    private static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * percent / 100.0) - 1)];
    }

    /** What the callers of one function saw. */
    private static final class Tally {
        final ConcurrentLinkedQueue<InvocationReport> reports = new ConcurrentLinkedQueue<>();
        final AtomicInteger throttled = new AtomicInteger();
    }
}
