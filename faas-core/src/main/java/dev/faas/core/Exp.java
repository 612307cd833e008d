package dev.faas.core;

final class Exp {
    private Exp() {}
    static final boolean NO_TIMER = Boolean.getBoolean("exp.noTimer");
    static final boolean NO_ENV = Boolean.getBoolean("exp.noEnv");
    static final boolean NO_RECORD = Boolean.getBoolean("exp.noRecord");
    static final boolean NO_TRACKER = Boolean.getBoolean("exp.noTracker");
    static final boolean NO_NOW = Boolean.getBoolean("exp.noNow");
    static final boolean NO_USAGE = Boolean.getBoolean("exp.noUsage");
    static final boolean NO_RETAIN = Boolean.getBoolean("exp.noRetain");
    static final boolean NO_METRICS = Boolean.getBoolean("exp.noMetrics");
}
