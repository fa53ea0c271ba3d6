package dev.procpool.internal;

import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskState;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * A task submitted to a pool: the user's handle, and the pool's bookkeeping. Fields without a
 * {@code volatile} are guarded by the pool's lock. The state moves as {@link TaskState} documents;
 * the pool sets a terminal state once ({@link PoolCore#endLocked}).
 */
final class PoolTask<R> implements TaskHandle<R> {
    final PoolCore pool;
    final long id;
    final Task<R> task;
    /** The task as its worker's engine takes it (bytes for a process, the object for a thread). */
    final Object encoded;
    final TaskOptions<? super R> options;
    final long batchId;
    final int index;
    final TaskFuture<R> future = new TaskFuture<>(this);
    volatile TaskState state = TaskState.QUEUED;
    volatile int attempts;
    /** The slot it was sent to, while it is there. */
    PoolWorker worker;
    /** When it was last sent to a worker (nanoTime). */
    volatile long sentAt;
    /** Asked back from a busy worker (a RECALL is on its way); requeued if it never ran there. */
    boolean stolen;
    volatile ScheduledFuture<?> timeout;
    /** Times it went back to the queue because its worker was declared dead before it acknowledged it. */
    int unacknowledgedResends;

    PoolTask(PoolCore pool, long id, Task<R> task, Object encoded, TaskOptions<? super R> options, long batchId,
            int index) {
        this.pool = pool;
        this.id = id;
        this.task = task;
        this.encoded = encoded;
        this.options = options;
        this.batchId = batchId;
        this.index = index;
    }

    boolean isTimed() {
        return options.timeout().isPresent();
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public OptionalLong batchId() {
        return batchId < 0 ? OptionalLong.empty() : OptionalLong.of(batchId);
    }

    @Override
    public TaskState state() {
        return state;
    }

    @Override
    public CompletableFuture<R> future() {
        return future;
    }

    @Override
    public int attempts() {
        return attempts;
    }

    @Override
    public Map<String, String> tags() {
        return options.tags();
    }

    @Override
    public boolean cancel() {
        return PoolImpl.cancel(pool, this, PoolImpl.CancelMode.INTERRUPT_THEN_STOP);
    }

    @Override
    public String toString() {
        return "Task{id=" + id + ", state=" + state + ", attempts=" + attempts
                + (options.tags().isEmpty() ? "" : ", tags=" + options.tags()) + "}";
    }
}
