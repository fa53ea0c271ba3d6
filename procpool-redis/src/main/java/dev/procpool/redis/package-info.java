/**
 * A pool spread over many machines through Redis streams: a {@link dev.procpool.redis.RedisPool}
 * puts tasks on a stream that {@link dev.procpool.redis.RedisNode}s ({@code procpool worker-server
 * --redis URL}) run in their own worker processes; a dead node's tasks are taken over by the others.
 * Delivery is at least once: make tasks idempotent with {@link dev.procpool.redis.RedisTask#taskId()}.
 *
 * <pre>{@code
 * try (RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url("redis://localhost:6379").build())) {
 *     RedisTask<Integer> t = pool.submit(() -> 6 * 7);
 *     System.out.println(t.future().get(30, TimeUnit.SECONDS));
 * }
 * }</pre>
 */
package dev.procpool.redis;
