package dev.faas.api;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;

/** The handler factory of a function named by its class ({@link FunctionSpec#ofClass}). */
final class ClassHandlers {

    private ClassHandlers() {}

    /**
     * Checks that {@code type} can be made as a handler or a handler factory, and returns the factory
     * that makes one per environment; every reason it cannot is refused here, at the boundary.
     */
    @SuppressWarnings("unchecked") // the handler's payload types are checked on every call, as any handler's
    static <I, O> HandlerFactory<I, O> factory(String function, Class<?> type) {
        boolean handler = Handler.class.isAssignableFrom(type);
        boolean factory = HandlerFactory.class.isAssignableFrom(type);
        String named = "function '" + function + "': handlerClass " + type.getName();
        if (!handler && !factory) {
            throw new InvalidConfigException(
                    "handlerClass", named + " implements neither Handler nor HandlerFactory: implement one of them");
        }
        int modifiers = type.getModifiers();
        if (type.isInterface() || Modifier.isAbstract(modifiers)) {
            throw new InvalidConfigException("handlerClass", named + " is abstract: name a concrete class");
        }
        if (!Modifier.isPublic(modifiers)
                || (type.getEnclosingClass() != null && !Modifier.isStatic(modifiers))
                || type.isAnonymousClass()
                || type.isLocalClass()) {
            throw new InvalidConfigException(
                    "handlerClass",
                    named + " must be public and top-level or a static nested class, so that a worker can make it");
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new InvalidConfigException("handlerClass", named + " has no public no-argument constructor: add one");
        }
        return () -> {
            Object made;
            try {
                made = constructor.newInstance();
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw e.getCause() instanceof Exception failure ? failure : e;
            }
            return factory ? ((HandlerFactory<I, O>) made).create() : (Handler<I, O>) made;
        };
    }
}
