package dev.procpool.logs;

import dev.procpool.internal.logs.Json;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Writes every event as one JSON object per line (UTF-8), with the fields {@code time} (ISO-8601,
 * UTC), {@code worker}, {@code source} ({@code log}, {@code stdout}, {@code stderr}), {@code level},
 * {@code logger}, {@code thread}, {@code message}, {@code exception} (the worker-side stack
 * trace as text, or {@code null}) and {@code mdc} (an object of the worker's MDC entries). Strings are escaped per RFC 8259, so a message with quotes,
 * newlines or control characters stays on its line.
 *
 * <p>Thread-safe: lines from several workers never interleave. Writes are buffered, and flushed
 * 100 ms after the first unflushed one (by a {@code procpool-jsonl-flush} thread), on
 * {@link #flush()}, and on {@link #close()}. A write
 * that fails is rethrown as {@link UncheckedIOException} to the caller (the worker's I/O thread
 * logs it and goes on).
 *
 * <pre>{@code
 * try (JsonLinesSink json = JsonLinesSink.open(Path.of("run.jsonl"))) {
 *     WorkerOptions options = WorkerOptions.builder().logsTo(json).build();
 *     ... run workers ...
 * }
 * }</pre>
 */
public final class JsonLinesSink implements LogSink, Flushable, Closeable {
    private final Writer out;
    private final boolean closeUnderlying;
    private final FlushLater flusher = new FlushLater("procpool-jsonl-flush", this::flushQuietly);
    private boolean closed;

    private JsonLinesSink(Writer out, boolean closeUnderlying) {
        this.out = out;
        this.closeUnderlying = closeUnderlying;
    }

    private synchronized void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            // the next write reports it to its caller
        }
    }

    /** Appends to {@code file}, creating it if needed. */
    public static JsonLinesSink open(Path file) throws IOException {
        OutputStream os = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        return new JsonLinesSink(new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 64 * 1024), true);
    }

    /** Writes to {@code stream}; {@link #close()} flushes but leaves the stream open (e.g. {@code System.out}). */
    public static JsonLinesSink to(OutputStream stream) {
        Objects.requireNonNull(stream, "stream");
        return new JsonLinesSink(new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024),
                false);
    }

    /** The line this sink writes for {@code event}, without its terminator. */
    public static String toJson(LogEvent event) {
        return Json.encode(event);
    }

    @Override
    public void accept(LogEvent event) {
        String line = Json.encode(event);
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("JsonLinesSink is closed");
            }
            try {
                out.write(line);
                out.write('\n');
                flusher.soon();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a log event: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!closed) {
            out.flush();
        }
    }

    /** Flushes, and closes the file (a stream given to {@link #to} stays open). Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (closeUnderlying) {
                out.close();
            } else {
                out.flush();
            }
        }
        flusher.close(); // outside the lock: its thread may be waiting for it
    }
}
