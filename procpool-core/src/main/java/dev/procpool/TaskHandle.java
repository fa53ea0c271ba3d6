package dev.procpool;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * A task given to a {@link Pool}: its id, state and outcome.
 *
 * <pre>{@code
 * TaskHandle<Integer> h = pool.submit(() -> 6 * 7);
 * int answer = h.future().get(30, TimeUnit.SECONDS);
 * }</pre>
 *
 * <p>The future completes exactly once: with the value, or exceptionally with the task's own
 * exception (it threw; see {@link Pool}, "Exceptions"), {@link WorkerDiedException} (its worker
 * died under it), {@link TaskTimeoutException} or
 * {@link java.util.concurrent.CancellationException}. Whoever completes it first decides:
 * cancelling the future ({@code cancel(mayInterruptIfRunning)}, as {@link Pool#asExecutorService()}
 * describes) cancels the task, and so does completing it yourself (e.g. {@code orTimeout}); its
 * {@code obtrude*} methods are refused.
 * Dependent actions of the future run on a procpool I/O thread: use the {@code *Async} variants for
 * anything slow.
 *
 * @param <R> the result type
 */
public interface TaskHandle<R> {

    /** A number unique within the pool, in submission order. */
    long id();

    /** The batch it was submitted in ({@link Pool#submitBatch}), if any. */
    OptionalLong batchId();

    /** The current state. */
    TaskState state();

    /** The outcome. */
    CompletableFuture<R> future();

    /** How many times it was sent to a worker (more than one after retries). */
    int attempts();

    /** The user's tags from {@link TaskOptions}. */
    Map<String, String> tags();

    /**
     * Cancels the task: a queued task never runs; a running one is interrupted and, if it does not
     * stop within the pool's grace, its worker is stopped and replaced.
     *
     * @return whether this call cancelled it (false if it had already ended)
     */
    boolean cancel();
}
