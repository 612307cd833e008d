/**
 * The runtime's front door. {@link dev.faas.core.FaasRuntime} is the entry point: build one, deploy
 * {@link dev.faas.api.FunctionSpec}s, and call them through the {@link dev.faas.api.FunctionRef}s
 * it returns or, by name, through its {@link dev.faas.api.Invoker} methods. Everything behind it is
 * in {@code dev.faas.core.internal.*}, one package per concern, which the module does not export:
 * its public classes are public to the other internal packages, not to hosts.
 */
package dev.faas.core;
