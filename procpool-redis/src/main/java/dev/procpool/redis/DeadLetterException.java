package dev.procpool.redis;

import dev.procpool.ProcpoolException;

/**
 * A task given up on: it was handed to nodes {@link RedisPoolOptions#maxDeliveries()} times and
 * each time its node stopped (died, hung, lost Redis) before reporting an outcome. Running it
 * again would likely take one more node down with it.
 *
 * <pre>{@code
 * try {
 *     task.future().get();
 * } catch (ExecutionException e) {
 *     if (e.getCause() instanceof DeadLetterException dead) {
 *         log.error("task {} abandoned after {} deliveries", dead.taskId(), dead.deliveries());
 *     }
 * }
 * }</pre>
 */
public class DeadLetterException extends ProcpoolException {
    private static final long serialVersionUID = 1L;

    private final String taskId;
    private final int deliveries;

    /** Creates the exception for a task and the number of times it was delivered. */
    public DeadLetterException(String taskId, int deliveries, String lastNode) {
        super("task " + taskId + " was delivered " + deliveries + " times and its node stopped before finishing it"
                + " each time (claimed last by node " + lastNode + "); it is not run again");
        this.taskId = taskId;
        this.deliveries = deliveries;
    }

    /** The task's id. */
    public String taskId() {
        return taskId;
    }

    /** How many times it was delivered. */
    public int deliveries() {
        return deliveries;
    }
}
