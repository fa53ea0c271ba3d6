package dev.procpool;

import java.time.Duration;

/**
 * A pool task ran past its timeout. Its worker was stopped (interrupt, then SIGTERM, then SIGKILL
 * for a process; interrupt and abandon for a thread) and replaced.
 *
 * <pre>{@code
 * pool.submit(task, TaskOptions.<String>builder().timeout(Duration.ofSeconds(5)).build())
 *     .future().exceptionally(e -> e.getCause() instanceof TaskTimeoutException ? "too slow" : "failed");
 * }</pre>
 */
public class TaskTimeoutException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    /** Creates it for a task that ran longer than {@code timeout} on the named worker. */
    public TaskTimeoutException(long taskId, String workerName, Duration timeout, int attempts) {
        super("task " + taskId + " timed out after " + timeout + " on worker '" + workerName + "'"
                + (attempts > 1 ? " (attempt " + attempts + ")" : "") + "; the worker was stopped and replaced");
        this.timeout = timeout;
    }

    /** The timeout that was exceeded. */
    public Duration timeout() {
        return timeout;
    }
}
