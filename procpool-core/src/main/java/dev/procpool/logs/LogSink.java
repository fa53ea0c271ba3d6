package dev.procpool.logs;

import dev.procpool.OutputHandler;
import java.util.Objects;

/**
 * Receives a worker's log events (and, through {@link #asOutputHandler()}, its output lines).
 * Set per worker with {@code WorkerOptions.Builder.logSink}, or for events and output at once with
 * {@code WorkerOptions.Builder.logsTo}.
 *
 * <p>Threading: a process worker's SLF4J events are delivered on that worker's I/O thread, in the
 * order the worker logged them; its output lines on the thread that reads that stream. Several
 * workers share a sink from several threads at once, so a sink must be thread-safe. A sink that
 * blocks slows only its worker (which then blocks in its logging calls, losing nothing), but
 * one that blocks for longer than the worker's heartbeat timeout (30 s by default) gets the worker
 * declared unresponsive, since its I/O thread reads nothing meanwhile. An exception a sink throws
 * is caught and logged, and that event is dropped.
 *
 * <pre>{@code
 * JsonLinesSink json = JsonLinesSink.open(Path.of("workers.jsonl"));
 * WorkerOptions options = WorkerOptions.builder()
 *     .logsTo(LogSink.slf4j().and(json))   // SLF4J events and stdout/stderr, to both
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface LogSink {

    /** Handles one event. */
    void accept(LogEvent event);

    /**
     * The default for SLF4J events: re-emits each through this JVM's SLF4J, with the worker's
     * logger name and level, the worker's name in the MDC under {@link LogEvent#MDC_WORKER}, and
     * the worker-side stack trace (as text) after the message. Output lines go to loggers named
     * {@code procpool.stdout} and {@code procpool.stderr}.
     */
    static LogSink slf4j() {
        return Slf4jSink.INSTANCE;
    }

    /** Drops every event. */
    static LogSink discard() {
        return e -> { };
    }

    /** A sink that gives each event to this one, then to {@code other} (even if this one threw). */
    default LogSink and(LogSink other) {
        Objects.requireNonNull(other, "other");
        LogSink first = this;
        return e -> {
            try {
                first.accept(e);
            } finally {
                other.accept(e);
            }
        };
    }

    /** This sink as an {@link OutputHandler}: each stdout/stderr line becomes a {@link LogEvent#ofLine}. */
    default OutputHandler asOutputHandler() {
        LogSink sink = this;
        return (worker, source, line) -> sink.accept(LogEvent.ofLine(worker,
                source == OutputHandler.Source.STDOUT ? LogEvent.Source.STDOUT : LogEvent.Source.STDERR, line));
    }
}
