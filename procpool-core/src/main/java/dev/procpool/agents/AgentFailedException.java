package dev.procpool.agents;

import dev.procpool.ProcpoolException;

/**
 * An agent failed, and the supervisor stopped the others ({@link RestartStrategy#stopAll()}, or a
 * restart limit was reached). {@link #getCause()} is what ended the agent: its own exception with
 * its worker-side stack trace and cause chain (or a {@link dev.procpool.RemoteThrowable} standing
 * in for it), or a {@link dev.procpool.WorkerDiedException} when its process died (e.g. was
 * killed with SIGKILL), naming the signal and showing the tail of its stderr.
 *
 * <pre>{@code
 * try {
 *     supervisor.supervise();
 * } catch (AgentFailedException e) {
 *     System.err.println(e.agentName() + " failed: " + e.getCause());
 * }
 * }</pre>
 */
public class AgentFailedException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    private final String agentName;
    private final int agentId;

    /** Creates it. */
    public AgentFailedException(String agentName, int agentId, String why, Throwable cause) {
        super("agent '" + agentName + "' (id " + agentId + ") " + why + ": " + cause, cause);
        this.agentName = agentName;
        this.agentId = agentId;
    }

    /** The failed agent's name. */
    public String agentName() {
        return agentName;
    }

    /** The failed agent's id. */
    public int agentId() {
        return agentId;
    }
}
