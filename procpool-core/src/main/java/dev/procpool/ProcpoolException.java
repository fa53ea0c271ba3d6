package dev.procpool;

/**
 * The base of procpool's unchecked exceptions: the outcomes of work that did not produce a value.
 * Catch it to handle every such outcome at once.
 *
 * <pre>{@code
 * try {
 *     return worker.result();
 * } catch (ProcpoolException e) {
 *     log.warn("work on {} did not complete: {}", worker.name(), e.getMessage());
 * }
 * }</pre>
 */
public class ProcpoolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates it with a message and a cause (may be null). */
    public ProcpoolException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Creates it with a message. */
    public ProcpoolException(String message) {
        super(message);
    }
}
