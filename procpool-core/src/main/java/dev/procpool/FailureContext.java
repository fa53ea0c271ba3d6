package dev.procpool;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a failed task ran: procpool's context for a task's own exception, attached to it as a
 * {@linkplain Throwable#getSuppressed() suppressed exception} so that the type a caller catches
 * stays the task's own (see {@link Pool}, "Exceptions"). It is never thrown; it shows in the
 * stack trace as {@code Suppressed: dev.procpool.FailureContext: task 7 on worker 'pool-0' ...}.
 *
 * <pre>{@code
 * try {
 *     pool.submit(() -> parse(text)).future().get();
 * } catch (ExecutionException e) {
 *     if (e.getCause() instanceof NumberFormatException bad) {           // the task's own exception
 *         FailureContext.of(bad).ifPresent(c -> log.warn("on {} (pid {})", c.workerName(), c.pid()));
 *     }
 * }
 * }</pre>
 */
public final class FailureContext extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long taskId;
    private final String workerName;
    private final long pid;
    private final int attempt;

    /**
     * Creates it.
     *
     * @param taskId the pool's task id, or -1 for a worker's own task
     * @param workerName the worker that ran the task
     * @param pid the pid of the process the task ran in
     * @param attempt which attempt failed (1 for the first)
     */
    public FailureContext(long taskId, String workerName, long pid, int attempt) {
        super((taskId >= 0 ? "task " + taskId + " " : "the task ") + "on worker '" + workerName + "' (pid " + pid
                + ")" + (attempt > 1 ? ", attempt " + attempt : "") + " threw it", null, false, false);
        this.taskId = taskId;
        this.workerName = workerName;
        this.pid = pid;
        this.attempt = attempt;
    }

    /**
     * Attaches the context to a task's exception, once: an exception that already carries a
     * context (the same object thrown again) is left as it is.
     *
     * @return {@code error}
     */
    public static Throwable attach(Throwable error, FailureContext context) {
        if (error != null && of(error).isEmpty()) {
            error.addSuppressed(context);
        }
        return error;
    }

    /** The context attached to a task's exception by procpool, if any. */
    public static Optional<FailureContext> of(Throwable error) {
        for (Throwable s : error.getSuppressed()) {
            if (s instanceof FailureContext c) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The pool's id of the task; empty for a worker's own task ({@link Workers#start}). */
    public OptionalLong taskId() {
        return taskId >= 0 ? OptionalLong.of(taskId) : OptionalLong.empty();
    }

    /** The name of the worker that ran the task. */
    public String workerName() {
        return workerName;
    }

    /** The pid of the process the task ran in (this JVM's for a thread worker). */
    public long pid() {
        return pid;
    }

    /** Which attempt failed, counted from 1. */
    public int attempt() {
        return attempt;
    }
}
