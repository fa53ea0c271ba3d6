package dev.procpool.bench;

import dev.procpool.Task;
import dev.procpool.TaskFunction;

/**
 * The trivial work the benchmarks send. Kept in a class of its own so that a child JVM that
 * deserializes one of these lambdas loads this tiny class, not the harness.
 */
public final class Tasks {
    private Tasks() {
    }

    /** {@code x -> x}: the cheapest possible call, so what is measured is procpool itself. */
    public static <T> TaskFunction<T, T> identity() {
        return x -> x;
    }

    /** {@code () -> 1}: the cheapest possible one-shot task. */
    public static Task<Integer> one() {
        return () -> 1;
    }
}
