package dev.faas.core;

import dev.faas.api.Handler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An execution environment: one handler instance, serving one invocation at a time. Its state
 * moves IDLE -> BUSY -> IDLE ... and ends CLOSED; every move is a compare-and-set, so that an
 * acquiring call, the idle sweeper and a closing pool never take the same environment twice.
 */
final class Environment {

    static final int IDLE = 0;
    static final int BUSY = 1;
    static final int CLOSED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Environment.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Handler<Object, Object> handler;
    final boolean provisioned;
    private volatile int state;
    /** When it last became idle, on the runtime's clock; written before it is pushed to the pool. */
    volatile long idleSince;

    Environment(Handler<Object, Object> handler, boolean provisioned, int initialState) {
        this.handler = handler;
        this.provisioned = provisioned;
        this.state = initialState;
    }

    boolean move(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    void markIdle(long now) {
        idleSince = now;
        state = IDLE;
    }
}
