package dev.procpool;

/**
 * Stands in for an exception thrown in a worker that could not be brought back as itself (its
 * class is not serializable, holds something that is not, or is unknown here). It keeps what a
 * user needs: the original class name, message, worker-side stack trace, and the cause chain
 * (causes that could be transferred appear as themselves).
 *
 * <pre>{@code
 * Throwable error = worker.error().orElseThrow();
 * if (error instanceof RemoteThrowable r) {
 *     System.err.println("worker threw " + r.remoteClassName() + ": " + r.getMessage());
 * }
 * }</pre>
 */
public final class RemoteThrowable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String remoteClassName;

    /**
     * Creates a stand-in.
     *
     * @param remoteClassName the fully qualified class name of the original exception
     * @param message the original message (may be null)
     * @param stackTrace the original, worker-side stack trace
     * @param cause the original cause, or its stand-in, or null
     */
    public RemoteThrowable(String remoteClassName, String message, StackTraceElement[] stackTrace, Throwable cause) {
        super(message, cause);
        this.remoteClassName = remoteClassName;
        setStackTrace(stackTrace);
    }

    /** The class name of the exception thrown in the worker. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** Reads like the original's {@code toString}: {@code class: message}. */
    @Override
    public String toString() {
        String message = getLocalizedMessage();
        return message == null ? remoteClassName : remoteClassName + ": " + message;
    }
}
