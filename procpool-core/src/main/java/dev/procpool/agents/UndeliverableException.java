package dev.procpool.agents;

import dev.procpool.ProcpoolException;

/**
 * A message could not be delivered: every addressed agent has ended, or nobody listens to its
 * type ({@link NoListenerException}). Thrown by {@link Agent#send} when the sender already knows
 * it; when the recipient ended while the message was on its way, the supervisor tells the sender,
 * and the sender's next {@code send}, {@code receive} or {@code nextMessage} throws it.
 *
 * <pre>{@code
 * try {
 *     send(ids("Writer"), line);
 * } catch (UndeliverableException e) {
 *     print("writer gone:", e.getMessage());
 * }
 * }</pre>
 */
public class UndeliverableException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    /** Creates it. */
    public UndeliverableException(String message) {
        super(message, null);
    }
}
