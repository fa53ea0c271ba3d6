package dev.procpool.redis;

import java.util.concurrent.CompletableFuture;

/**
 * A task submitted to a {@link RedisPool}: its id and its outcome.
 *
 * <pre>{@code
 * RedisTask<Integer> t = pool.submit(() -> 6 * 7);
 * db.save("pending", t.taskId());                  // to find the result after a restart
 * int answer = t.future().get(30, TimeUnit.SECONDS);
 * }</pre>
 *
 * <p>Delivery is at least once: a task whose node died may already have done part or all of
 * its work before another node runs it again. Use {@link #taskId()} to make the work idempotent.
 * The future completes once: with the value, or exceptionally with the task's own exception
 * (the rule of {@link dev.procpool.Pool}, "Exceptions"), {@link dev.procpool.WorkerDiedException},
 * {@link dev.procpool.TaskTimeoutException}, {@link DeadLetterException}, or
 * {@link java.util.concurrent.CancellationException} if the pool was closed first (the result then
 * waits in Redis for {@link RedisPool#collect}).
 *
 * @param <R> the result type
 */
public interface RedisTask<R> {

    /** The id every node and result carries (a random UUID). */
    String taskId();

    /** The outcome; dependent actions run on the pool's receiver thread: use the *Async variants for slow ones. */
    CompletableFuture<R> future();
}
