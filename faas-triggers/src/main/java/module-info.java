/**
 * Event sources for functions. {@link dev.faas.triggers.http.HttpTrigger} serves functions over
 * HTTP on the JDK's embedded server. Triggers talk to the runtime through {@link dev.faas.api.Invoker}
 * only, so this module needs faas-api and nothing of the engine.
 */
module dev.faas.triggers {
    requires transitive dev.faas.api;
    requires transitive com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    requires jdk.httpserver;
    requires org.slf4j;

    exports dev.faas.triggers.http;
}
