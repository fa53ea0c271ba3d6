package dev.procpool.agents;

/**
 * {@link Agent#ids(String)} was given a name no agent of the supervisor has. The message lists
 * the names there are.
 *
 * <pre>{@code
 * ids("Agent one");   // NoSuchAgentException if no agent was added under that name
 * }</pre>
 */
public class NoSuchAgentException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Creates it. */
    public NoSuchAgentException(String message) {
        super(message);
    }
}
