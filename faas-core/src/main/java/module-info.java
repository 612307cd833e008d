/**
 * The faas engine: {@link dev.faas.core.FaasRuntime} and everything behind it. Only
 * {@code dev.faas.core} is exported; the engine lives in {@code dev.faas.core.internal.*}, one
 * package per concern, open to its sibling packages and to nothing outside the module.
 */
module dev.faas.core {
    requires transitive dev.faas.api;
    // Micrometer has no module descriptor: it is required as the automatic module micrometer.core.
    requires transitive micrometer.core;
    requires com.github.benmanes.caffeine;
    // Per-thread allocation counters (allocation metering) and GC notifications (the heap guard).
    requires java.management;
    requires jdk.management;

    exports dev.faas.core;
}
