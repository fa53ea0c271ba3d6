package dev.procpool.logs;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.slf4j.event.Level;

/**
 * One thing a worker said: an SLF4J event it logged, or a line it wrote to stdout or stderr.
 * Immutable; what {@link LogSink}s receive and what {@link JsonLinesSink} writes as one JSON
 * object per line.
 *
 * <pre>{@code
 * LogSink errorsOnly = e -> {
 *     if (e.level() == Level.ERROR) {
 *         alert(e.worker() + ": " + e.message());
 *     }
 * };
 * }</pre>
 *
 * @param time when it happened: the worker's clock for SLF4J events, the controller's for output
 *     lines (a line has no time of its own)
 * @param worker the worker's name
 * @param source an SLF4J event, or which output stream the line came from
 * @param level the event's level; {@code INFO} for stdout lines, {@code WARN} for stderr lines
 * @param logger the logger's name; {@code stdout} or {@code stderr} for output lines
 * @param thread the worker-side thread that logged, or null (output lines)
 * @param message the formatted message (for output lines: the line without its terminator)
 * @param exception the throwable logged with the event as text, in {@code printStackTrace} form
 *     with the worker-side stack, or null
 * @param mdc the worker's MDC when it logged (empty for output lines); immutable
 */
public record LogEvent(Instant time, String worker, Source source, Level level, String logger, String thread,
        String message, String exception, Map<String, String> mdc) {

    /**
     * The MDC key under which the worker's name is set when an event is re-emitted through the
     * controller's SLF4J ({@link LogSink#slf4j()}), and on a thread worker's task thread (set when
     * the thread starts: a task that clears the MDC removes it for the tasks after it). Show it in
     * a logback pattern with {@code %X{procpool.worker}}.
     */
    public static final String MDC_WORKER = "procpool.worker";

    /** Where an event came from. */
    public enum Source {
        /** Logged through SLF4J in the worker. */
        LOG,
        /** A line of the worker's standard output. */
        STDOUT,
        /** A line of the worker's standard error. */
        STDERR;

        /** The lower-case name used in JSON ({@code log}, {@code stdout}, {@code stderr}). */
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Checks that the fields a sink relies on are there. */
    public LogEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(message, "message");
        mdc = mdc == null ? Map.of() : Map.copyOf(mdc);
    }

    /** An event without MDC entries. */
    public LogEvent(Instant time, String worker, Source source, Level level, String logger, String thread,
            String message, String exception) {
        this(time, worker, source, level, logger, thread, message, exception, Map.of());
    }

    /** An output line as an event: stdout at {@code INFO}, stderr at {@code WARN}, logger named after the stream. */
    public static LogEvent ofLine(String worker, Source stream, String line) {
        if (stream == Source.LOG) {
            throw new IllegalArgumentException("an output line comes from STDOUT or STDERR, not LOG");
        }
        return new LogEvent(Instant.now(), worker, stream, stream == Source.STDOUT ? Level.INFO : Level.WARN,
                stream.jsonName(), null, line, null);
    }
}
