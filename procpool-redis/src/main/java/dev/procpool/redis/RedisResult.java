package dev.procpool.redis;

import dev.procpool.TaskState;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one task as a node reported it: what {@link RedisPool#collect} returns for
 * tasks this controller did not submit (a previous run of it did).
 *
 * <pre>{@code
 * for (RedisResult r : pool.collect(1000, Duration.ofSeconds(5))) {
 *     if (r.state() == TaskState.SUCCEEDED) {
 *         store(r.taskId(), r.value());
 *     } else {
 *         log.warn("task {} failed on {}", r.taskId(), r.node(), r.error().orElseThrow());
 *     }
 * }
 * }</pre>
 *
 * @param taskId the id {@link RedisTask#taskId()} returned at submission
 * @param state {@link TaskState#SUCCEEDED}, {@link TaskState#FAILED} or {@link TaskState#TIMED_OUT}
 * @param value the task's value when it succeeded, else null
 * @param errorOrNull why it did not succeed, else null: the task's exception wrapped as with a local pool,
 *     {@link dev.procpool.WorkerDiedException}, {@link dev.procpool.TaskTimeoutException} or
 *     {@link DeadLetterException}
 * @param node the node that reported it
 * @param deliveries how many times it was delivered to a node (more than 1 after a node died)
 */
public record RedisResult(String taskId, TaskState state, Object value, Throwable errorOrNull, String node,
        int deliveries) {

    public RedisResult {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(state, "state");
    }

    /** Why it did not succeed. */
    public Optional<Throwable> error() {
        return Optional.ofNullable(errorOrNull);
    }
}
