/**
 * The faas contract: what a function, a trigger and a host application write against. It depends
 * on SLF4J only, so that triggers and test fixtures can be built without the engine.
 */
module dev.faas.api {
    requires transitive org.slf4j;
    requires static org.jspecify; // @Nullable, for NullAway at compile time; consumers need not have it

    exports dev.faas.api;
    exports dev.faas.api.events;
    exports dev.faas.api.ledger;
}
