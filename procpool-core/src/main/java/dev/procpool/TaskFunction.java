package dev.procpool;

import java.io.Serializable;

/**
 * A function a {@link PersistentWorker} applies to every argument it is given. Serializable so
 * that it can be sent once to a child JVM and then applied many times there.
 *
 * <pre>{@code
 * TaskFunction<Integer, Integer> square = x -> x * x;
 * PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.PROCESS, square);
 * }</pre>
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface TaskFunction<A, R> extends Serializable {
    /**
     * Applies the function to one argument, on the worker's task thread.
     *
     * @param argument the argument given to {@link PersistentWorker#enqueue}
     * @return the result for this argument
     * @throws Exception any failure; it is reported for this call only, and the worker goes on
     */
    R apply(A argument) throws Exception;
}
