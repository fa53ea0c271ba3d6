package dev.procpool;

/**
 * The task threw. {@link #getCause()} is the task's own exception (or a {@link RemoteThrowable}
 * standing in for one that could not be transferred), with its worker-side stack trace and cause
 * chain.
 *
 * <pre>{@code
 * try {
 *     worker.result();
 * } catch (TaskFailedException e) {
 *     if (e.getCause() instanceof IllegalArgumentException bad) { ... }
 * }
 * }</pre>
 */
public class TaskFailedException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    private final String workerName;
    private final long pid;

    /** Creates it for the worker that ran the task. */
    public TaskFailedException(String workerName, long pid, Throwable cause) {
        super("task on worker '" + workerName + "' (pid " + pid + ") failed: " + cause, cause);
        this.workerName = workerName;
        this.pid = pid;
    }

    /** The name of the worker that ran the task. */
    public String workerName() {
        return workerName;
    }

    /** The pid of the process the task ran in. */
    public long pid() {
        return pid;
    }
}
