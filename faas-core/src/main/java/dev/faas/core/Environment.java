package dev.faas.core;

import dev.faas.api.Handler;

/**
 * An execution environment: one handler instance, serving one invocation at a time. It needs no
 * state of its own: whoever removes it from its pool's idle ones owns it (a call, the idle sweeper, the
 * pool closing), and a call that holds it either gives it back or discards it.
 */
final class Environment {

    final Handler<Object, Object> handler;
    final boolean provisioned;
    /**
     * When it last became idle, on the runtime's clock. Written before it is given back and read
     * by whoever removes it next, under the lock of the stack it waits in.
     */
    long idleSince;

    Environment(Handler<Object, Object> handler, boolean provisioned) {
        this.handler = handler;
        this.provisioned = provisioned;
    }
}
