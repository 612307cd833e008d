/**
 * Event sources for functions. {@link dev.faas.triggers.http.HttpTrigger} serves functions over
 * HTTP on a Helidon WebServer; {@link dev.faas.triggers.schedule.ScheduleTrigger} runs them on
 * EventBridge Scheduler's rate, cron and at schedules, on the runtime's clock. Triggers talk to the
 * runtime through {@link dev.faas.api.Invoker} only, so this module needs faas-api and nothing of
 * the engine.
 */
module dev.faas.triggers {
    requires transitive dev.faas.api;
    requires transitive com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires io.helidon.webserver;
    requires io.helidon.http;
    requires java.logging;
    requires org.slf4j;
    requires static org.jspecify; // @Nullable, at compile time only
    // Neither has a module descriptor: required as the automatic modules their manifests name.
    requires com.cronutils;
    requires transitive micrometer.core; // a schedule trigger's builder takes a MeterRegistry

    exports dev.faas.triggers.http;
    exports dev.faas.triggers.objects;
    exports dev.faas.triggers.queue;
    exports dev.faas.triggers.schedule;
}
