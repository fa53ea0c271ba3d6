package dev.procpool;

/**
 * The worker was stopped on the user's request ({@link Worker#terminate}, {@link Worker#kill},
 * {@link Worker#close()} past its bound) before the work was answered. If the task itself ended
 * with an exception while being stopped (typically an {@link InterruptedException}), it is the
 * cause.
 *
 * <pre>{@code
 * worker.terminate(Duration.ofSeconds(1));
 * assert worker.error().orElseThrow() instanceof WorkerTerminatedException;
 * }</pre>
 */
public class WorkerTerminatedException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    /** Creates it with a description of how the worker was stopped. */
    public WorkerTerminatedException(String message, Throwable cause) {
        super(message, cause);
    }
}
