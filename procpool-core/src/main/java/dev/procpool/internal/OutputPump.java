package dev.procpool.internal;

import dev.procpool.OutputHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one of a child's output streams line by line on its own thread and hands each line to
 * the user's handler; keeps the last lines for error messages (a JVM prints its crash banner on
 * stdout, so both streams keep a tail). Lines are capped at 64 KiB so a
 * child that never writes a newline cannot exhaust the controller's memory.
 */
final class OutputPump implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputPump.class);
    static final int MAX_LINE = 64 * 1024;
    static final int TAIL_LINES = 20;

    private final InputStream in;
    private final String workerName;
    private final OutputHandler.Source source;
    private final OutputHandler handler;
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final Thread thread;
    /** A line the JVM itself prints that is not the worker's output (trimmed), or null; dropped once. */
    private String vmNoise;

    OutputPump(InputStream in, String workerName, OutputHandler.Source source, OutputHandler handler) {
        this(in, workerName, source, handler, null);
    }

    /** @param vmNoise a line (compared trimmed) the JVM prints about its own set-up, to drop once; or null */
    OutputPump(InputStream in, String workerName, OutputHandler.Source source, OutputHandler handler, String vmNoise) {
        this.in = in;
        this.workerName = workerName;
        this.source = source;
        this.handler = handler;
        this.vmNoise = vmNoise;
        this.thread = new Thread(this, "procpool-" + source.name().toLowerCase() + "-" + workerName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Waits for the stream's end (the child exited), at most {@code millis}, even if the caller is
     * interrupted meanwhile (the flag is kept): the tail is what explains a death, such as the
     * JVM's crash banner, and an I/O thread that was interrupted while its worker was being stopped
     * must still read it to the end.
     */
    void join(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, millis));
        boolean interrupted = false;
        while (thread.isAlive()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized List<String> tail() {
        return List.copyOf(tail);
    }

    @Override
    public void run() {
        byte[] buf = new byte[8192];
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        emit(line);
                        start = i + 1;
                    } else if (line.size() + (i - start) >= MAX_LINE) {
                        line.write(buf, start, i - start);
                        emit(line);
                        start = i;
                    }
                }
                line.write(buf, start, n - start);
            }
        } catch (IOException e) {
            // the stream closes when the child dies; what was read is delivered below
        }
        if (line.size() > 0) {
            emit(line);
        }
    }

    private void emit(ByteArrayOutputStream bytes) {
        int len = bytes.size();
        byte[] b = bytes.toByteArray();
        if (len > 0 && b[len - 1] == '\r') {
            len--;
        }
        String s = new String(b, 0, len, StandardCharsets.UTF_8);
        bytes.reset();
        if (vmNoise != null && s.trim().equals(vmNoise)) {
            vmNoise = null;
            return;
        }
        {
            synchronized (this) {
                if (tail.size() == TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(s.length() > 500 ? s.substring(0, 500) + "..." : s);
            }
        }
        try {
            handler.onLine(workerName, source, s);
        } catch (RuntimeException e) {
            LOG.warn("output handler threw on a line from worker {}; the line is dropped", workerName, e);
        }
    }
}
