package dev.procpool.agents;

/**
 * A message sent to {@link Recipient#LISTENERS} reached nobody: no live agent subscribes to its
 * class or a supertype. Catch it when nobody listening is fine.
 *
 * <pre>{@code
 * try {
 *     send(Recipient.LISTENERS, new Progress(50));
 * } catch (NoListenerException e) {
 *     // no progress reporter in this run
 * }
 * }</pre>
 */
public class NoListenerException extends UndeliverableException {
    private static final long serialVersionUID = 1L;

    /** Creates it. */
    public NoListenerException(String message) {
        super(message);
    }
}
