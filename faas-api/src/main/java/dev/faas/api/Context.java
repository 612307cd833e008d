package dev.faas.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What an invocation knows about itself, handed to {@link Handler#handle}. Valid for the duration
 * of the call; a handler should not keep it afterwards.
 */
public interface Context {

    /**
     * The invocation's id: a lower-case UUID text, unique per invocation. An EVENT invocation keeps
     * its id across retries.
     */
    String requestId();

    /** The name of the function being invoked. */
    String functionName();

    /** The function's version: {@code "$LATEST"} until versions exist. */
    String functionVersion();

    /** The function's declared memory, in MB ({@link FunctionConfig#memoryMb()}). */
    int memoryLimitMb();

    /** When the runtime stops waiting for this call: the handler's start plus the function's timeout. */
    Instant deadline();

    /** The time left until {@link #deadline()}; {@link Duration#ZERO} once it has passed, never negative. */
    Duration remainingTime();

    /** The function's environment variables ({@link FunctionConfig#environment()}), unmodifiable. */
    Map<String, String> environment();

    /** How this invocation was requested. */
    InvocationType invocationType();

    /** The try number: 1 for the first try, 2 and 3 on EVENT retries. */
    int attempt();

    /**
     * A logger for the function's own lines, named {@code dev.faas.function.<name>}. While the
     * handler runs, the SLF4J MDC holds the keys {@code requestId} and {@code function}.
     */
    Logger logger();

    /**
     * Whether the runtime has given up on this call: its deadline passed or it was stopped. A
     * long-running handler may poll this (the handler's thread is also interrupted).
     */
    boolean isCancelled();
}
