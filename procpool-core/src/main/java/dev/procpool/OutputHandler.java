package dev.procpool;

import java.io.PrintStream;

/**
 * Receives the lines a process worker writes to its stdout and stderr, each tagged with the
 * worker's name. Called on the worker's output thread (one per stream per worker), in the order
 * the lines were written to that stream; an exception thrown by the handler is caught and logged,
 * and the pump goes on.
 *
 * <pre>{@code
 * WorkerOptions.builder()
 *     .output((worker, source, line) -> log.info("[{}] {}", worker, line))
 *     .build();
 * }</pre>
 *
 * <p>Thread workers share the controller's {@code System.out}; their output does not pass here.
 * To treat lines as log events (JSON lines, a log server, the controller's SLF4J), use
 * {@code LogSink.asOutputHandler()} or {@code WorkerOptions.Builder.logsTo}.
 */
@FunctionalInterface
public interface OutputHandler {

    /** Which of the child's streams a line came from. */
    enum Source {
        /** The child's standard output. */
        STDOUT,
        /** The child's standard error. */
        STDERR
    }

    /**
     * Handles one line, without its line terminator. Lines longer than 64 KiB arrive in pieces.
     *
     * @param workerName the name of the worker that wrote it
     * @param source the stream it was written to
     * @param line the line
     */
    void onLine(String workerName, Source source, String line);

    /**
     * The default: each line goes to this JVM's stdout or stderr, prefixed with
     * {@code [worker-name] }.
     */
    static OutputHandler prefixed() {
        return (worker, source, line) -> {
            PrintStream out = source == Source.STDOUT ? System.out : System.err;
            out.println("[" + worker + "] " + line);
        };
    }

    /** Drops every line (the stderr tail is still kept for error messages). */
    static OutputHandler discard() {
        return (worker, source, line) -> { };
    }
}
