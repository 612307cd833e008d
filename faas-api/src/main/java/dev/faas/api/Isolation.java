package dev.faas.api;

/**
 * Where a function's execution environments live.
 *
 * <p>{@link #IN_PROCESS} environments are handler objects in the host's JVM: a warm call costs a
 * virtual thread, but a handler that ignores interrupts cannot be stopped, and no call's heap can
 * be capped. {@link #PROCESS} environments are child JVMs, one per environment, as Lambda's are
 * micro-VMs: the child's {@code -Xmx} is a hard limit on what the function holds, and a timeout
 * kills the child, whatever its code does. A call then crosses a Unix domain socket, its input
 * and output as JSON, and a cold start starts a JVM.
 *
 * <p>Not yet: this build refuses to deploy a {@code PROCESS} function, with a message saying so,
 * until the worker processes land. Naming a function's code by class already works in-process.
 */
public enum Isolation {
    /** Handler objects in the host's JVM: the default. */
    IN_PROCESS,
    /**
     * A child JVM per execution environment, started with the host's JDK; the function must name
     * its code by class ({@link FunctionSpec#ofClass(String, Class, Class, Class)}), and its input
     * and output types must be readable and writable as JSON by Jackson.
     */
    PROCESS
}
