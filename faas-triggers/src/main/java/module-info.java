/**
 * Event sources for functions. {@link dev.faas.triggers.http.HttpTrigger} serves functions over
 * HTTP on a Helidon WebServer. Triggers talk to the runtime through {@link dev.faas.api.Invoker}
 * only, so this module needs faas-api and nothing of the engine.
 */
module dev.faas.triggers {
    requires transitive dev.faas.api;
    requires transitive com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires io.helidon.webserver;
    requires io.helidon.http;
    requires java.logging;
    requires org.slf4j;

    exports dev.faas.triggers.http;
}
