/**
 * procpool's API: run work in another thread, another JVM or on another host, and keep control of
 * it (deadlines that kill, crashes reported as errors with the worker's stack trace, a stop that
 * escalates from interrupt to SIGTERM to SIGKILL).
 *
 * <p>Start with {@link dev.procpool.Workers} (one worker: one-shot or persistent) or
 * {@link dev.procpool.Pool} (many tasks over an elastic set of workers). The kind of worker
 * ({@link dev.procpool.WorkerType}) is an argument, so the same code runs on a thread or in a child JVM.
 *
 * <pre>{@code
 * try (Worker<Integer> w = Workers.start(WorkerType.PROCESS, () -> 6 * 7)) {
 *     w.await(Duration.ofSeconds(30));
 *     System.out.println(w.result() + " from pid " + w.pid());
 * }
 * try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(4).build())) {
 *     List<Integer> squares = pool.map((Integer x) -> x * x, List.of(1, 2, 3));
 * }
 * }</pre>
 *
 * <p>Capability packages: {@link dev.procpool.jobs} (external commands), {@link dev.procpool.agents}
 * (named workers exchanging messages), {@link dev.procpool.logs} (worker logs brought home),
 * {@link dev.procpool.remote} (workers on other hosts). Packages named {@code internal} are not API.
 */
package dev.procpool;
