package dev.procpool;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A unit of work that can run in any kind of worker: a {@link Callable} that is also
 * {@link Serializable}, so that it can travel to a child JVM; a lambda assigned to this type is
 * serializable as long as what it captures is. Only a process or remote worker serializes it: a
 * thread worker runs the object itself, so there a task may capture anything (a latch, a lock).
 *
 * <pre>{@code
 * int base = 40;
 * Task<Integer> task = () -> base + 2;      // captures an int: serializable
 * Worker<Integer> w = Workers.start(WorkerType.PROCESS, task);
 * }</pre>
 *
 * @param <R> the result type; it must be serializable to come back from a process worker
 */
@FunctionalInterface
public interface Task<R> extends Callable<R>, Serializable {
    /**
     * Runs the work. Runs on the worker's task thread; an interrupt means the caller asked the
     * worker to stop.
     *
     * @return the result, which may be {@code null}
     * @throws Exception any failure; it reaches the caller with its class, message, worker-side
     *     stack trace and cause chain
     */
    @Override
    R call() throws Exception;

    /**
     * A plain {@link Callable} as a task, for code that has one (a thread worker runs it as it is;
     * a process worker only if it is serializable, refused at submit naming its class otherwise).
     * A task is returned as it is.
     *
     * <pre>{@code
     * Callable<Object> plain = () -> latch.await(1, TimeUnit.SECONDS);   // captures a CountDownLatch
     * pool.submit(Task.of(plain));                                        // fine on a pool of threads
     * }</pre>
     */
    static <R> Task<R> of(Callable<R> callable) {
        java.util.Objects.requireNonNull(callable, "callable");
        return callable instanceof Task<R> task ? task : new dev.procpool.internal.CallableTask<>(callable);
    }
}
