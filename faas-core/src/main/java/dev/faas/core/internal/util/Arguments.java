package dev.faas.core.internal.util;

import dev.faas.api.InvalidConfigException;

/** Checks of the arguments the runtime's public entry points are given. */
public final class Arguments {

    private Arguments() {}

    /** A required argument: a null is a typed error that names it and says what to give. */
    public static <T> T given(String name, T value, String what) {
        if (value == null) {
            throw new InvalidConfigException(name, name + " must not be null: give " + what);
        }
        return value;
    }
}
