package dev.procpool.status;

import dev.procpool.TaskState;
import java.time.Instant;

/**
 * A task that ended badly, as kept in {@link PoolStatus#recentFailures()}.
 *
 * <pre>{@code
 * for (TaskFailure f : pool.status().recentFailures()) {
 *     System.err.println("task " + f.taskId() + " on " + f.worker() + ": " + f.summary());
 * }
 * }</pre>
 *
 * @param taskId the task's id in its pool
 * @param worker the worker it ran on; empty when it never reached one
 * @param at when it ended
 * @param outcome {@link TaskState#FAILED} or {@link TaskState#TIMED_OUT}
 * @param summary the exception in one line: the worker-side exception's class and message when
 *     the task threw, else the pool's (worker died, timeout)
 * @param stackTrace the whole stack trace with its causes, the worker-side frames included
 *     (cut after 16 000 characters)
 */
public record TaskFailure(long taskId, String worker, Instant at, TaskState outcome, String summary, String stackTrace) {
}
