/**
 * Logs brought home: where a worker's SLF4J events and its stdout/stderr lines go
 * ({@link dev.procpool.logs.LogSink}; by default the controller's SLF4J, with the worker's name in
 * the MDC), a JSON-lines sink, and a log server for workers on other hosts.
 *
 * <pre>{@code
 * try (JsonLinesSink json = JsonLinesSink.open(Path.of("run.jsonl"))) {
 *     WorkerOptions options = WorkerOptions.builder().logsTo(LogSink.slf4j().and(json)).build();
 *     try (Worker<Void> w = Workers.start(WorkerType.PROCESS, () -> {
 *         LoggerFactory.getLogger("job").info("reached the controller");
 *         return null;
 *     }, options)) {
 *         w.await(Duration.ofSeconds(30));
 *     }
 * }
 * }</pre>
 */
package dev.procpool.logs;
