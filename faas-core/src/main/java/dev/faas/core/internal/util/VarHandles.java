package dev.faas.core.internal.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Field handles for the compare-and-sets and release stores of the engine's classes. */
public final class VarHandles {

    private VarHandles() {}

    /**
     * The handle of field {@code name} of the class {@code lookup} was made in; a missing field is
     * a bug of this library, so it fails the class's initialisation.
     */
    public static VarHandle field(MethodHandles.Lookup lookup, String name, Class<?> type) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
