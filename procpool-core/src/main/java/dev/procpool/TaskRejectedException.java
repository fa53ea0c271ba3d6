package dev.procpool;

import java.util.concurrent.RejectedExecutionException;

/**
 * A pool refused a task: its queue is full under {@link RejectionPolicy#ABORT}, or it is shut
 * down. A {@link RejectedExecutionException}, as {@code ExecutorService} users expect.
 *
 * <pre>{@code
 * try {
 *     pool.submit(task);
 * } catch (TaskRejectedException e) {
 *     respondBusy();
 * }
 * }</pre>
 */
public class TaskRejectedException extends RejectedExecutionException {
    private static final long serialVersionUID = 1L;

    /** Creates it with the reason. */
    public TaskRejectedException(String message) {
        super(message);
    }
}
