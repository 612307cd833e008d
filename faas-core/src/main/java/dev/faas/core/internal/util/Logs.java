package dev.faas.core.internal.util;

/** The runtime's own log: one logger, named after its front door, for every class behind it. */
public final class Logs {

    /** Where the runtime's WARNs and DEBUG lines go: hosts set one level for all of them. */
    public static final String RUNTIME = "dev.faas.core.FaasRuntime";

    private Logs() {}
}
