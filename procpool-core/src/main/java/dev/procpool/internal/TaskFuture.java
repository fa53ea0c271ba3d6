package dev.procpool.internal;

import java.util.concurrent.CompletableFuture;

/**
 * A pool task's future ({@code TaskHandle.future()}): it completes exactly once, and whoever
 * completes it first decides. The pool settles it with the task's outcome; a caller that gets
 * there first ({@link #cancel}, {@link #complete}, {@link #completeExceptionally}, or
 * {@code orTimeout}, which completes it) has said the outcome is no longer wanted, so the task is
 * cancelled in the pool too: a queued task never runs, a running one is stopped as
 * {@link #cancel(boolean)} describes. Dependent futures ({@code thenApply}, ...) are plain
 * {@code CompletableFuture}s.
 */
final class TaskFuture<R> extends CompletableFuture<R> {
    private final PoolTask<R> task;

    TaskFuture(PoolTask<R> task) {
        this.task = task;
    }

    /** The pool's completion with the task's value. */
    void settle(R value) {
        super.complete(value);
    }

    /** The pool's completion with the task's failure. */
    void settleExceptionally(Throwable error) {
        super.completeExceptionally(error);
    }

    /**
     * Cancels the task. A queued task never runs. A running one, with {@code mayInterruptIfRunning}:
     * on a thread worker it is interrupted (and the worker replaced if it ignores that for the
     * pool's grace); on a process or remote worker the worker is stopped and replaced. Without it,
     * a running task runs to its end and its outcome is dropped.
     *
     * @return whether the task is cancelled now: true if this call or an earlier one cancelled
     *     it (as {@code CompletableFuture} answers, unlike {@code FutureTask}, whose second cancel
     *     returns false); false if it had already ended otherwise
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (PoolImpl.cancel(task.pool, task, mayInterruptIfRunning
                ? PoolImpl.CancelMode.STOP_RUNNING : PoolImpl.CancelMode.LET_RUN)) {
            super.cancel(mayInterruptIfRunning); // already done by the pool's completion; kept for safety
            return true;
        }
        return isCancelled();
    }

    @Override
    public boolean complete(R value) {
        boolean won = super.complete(value);
        if (won) {
            PoolImpl.cancel(task.pool, task, PoolImpl.CancelMode.STOP_RUNNING);
        }
        return won;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean won = super.completeExceptionally(ex);
        if (won) {
            PoolImpl.cancel(task.pool, task, PoolImpl.CancelMode.STOP_RUNNING);
        }
        return won;
    }

    /** Refused: the pool's outcome of a task is not rewritten after the fact. */
    @Override
    public void obtrudeValue(R value) {
        throw new UnsupportedOperationException("a pool task's future completes once; it cannot be overwritten");
    }

    /** Refused: the pool's outcome of a task is not rewritten after the fact. */
    @Override
    public void obtrudeException(Throwable ex) {
        throw new UnsupportedOperationException("a pool task's future completes once; it cannot be overwritten");
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    @Override
    public String toString() {
        return super.toString() + "[task " + task.id + "]";
    }
}
