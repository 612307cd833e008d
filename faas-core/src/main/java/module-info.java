/**
 * The faas engine: {@link dev.faas.core.FaasRuntime} and everything behind it. Only
 * {@code dev.faas.core} is exported; the engine's classes are package-private.
 */
module dev.faas.core {
    requires transitive dev.faas.api;

    exports dev.faas.core;
}
