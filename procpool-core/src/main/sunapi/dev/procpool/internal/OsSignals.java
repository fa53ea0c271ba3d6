package dev.procpool.internal;

/**
 * Handlers for operating-system signals, the one class that uses {@code sun.misc.Signal} (there is
 * no supported API for it). It lives in a source root of its own, compiled without
 * {@code -Werror}: javac warns about every use of that class and no option or annotation silences
 * it, while every other file is held to "no warnings". Reflection would avoid the warning but
 * costs a worker JVM's start about 13 ms on JDK 25 (method-handle based reflection's first use).
 */
public final class OsSignals {
    private OsSignals() {
    }

    /**
     * Makes this JVM ignore the signal ({@code "INT"}, {@code "TERM"}, ...).
     *
     * @throws IllegalArgumentException if this platform or JVM does not let it be handled (e.g. under {@code -Xrs})
     */
    public static void ignore(String name) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sun.misc.SignalHandler.SIG_IGN);
    }

    /**
     * Runs {@code action} on the JVM's signal thread each time the signal arrives, instead of the
     * default (for TERM and INT: exit). The action must be quick; hand real work to another thread.
     *
     * @throws IllegalArgumentException if this platform or JVM does not let it be handled (e.g. under {@code -Xrs})
     */
    public static void handle(String name, Runnable action) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
    }
}
