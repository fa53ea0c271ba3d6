package dev.procpool.cli.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Arguments read from stdin one line at a time while jobs run, as GNU parallel does, so that
 * {@code tail -f log | procpool run ...} starts a job per line as lines come, and a huge input is
 * never held whole in memory. A reader thread stays at most {@link #AHEAD} lines ahead of the jobs.
 *
 * <p>Every method is called with the {@code monitor} (the run's lock) held, except {@link #start};
 * {@code onLine} is called with it held whenever a line or the end of input arrives.
 */
final class StdinInputs {
    /** How many lines the reader may read ahead of the jobs. */
    static final int AHEAD = 4096;

    private final Object monitor;
    private final Runnable onLine;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private boolean eof;
    private IOException failure;
    private long read;

    StdinInputs(Object monitor, Runnable onLine) {
        this.monitor = monitor;
        this.onLine = onLine;
    }

    void start(InputStream in) {
        Thread t = new Thread(() -> pump(in), "procpool-run-input");
        t.setDaemon(true);
        t.start();
    }

    private void pump(InputStream in) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (monitor) {
                    while (lines.size() >= AHEAD) {
                        monitor.wait();
                    }
                    lines.add(line);
                    read++;
                    onLine.run();
                }
            }
        } catch (IOException e) {
            synchronized (monitor) {
                failure = e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (monitor) {
            eof = true;
            onLine.run();
        }
    }

    /** Whether a line is ready now. */
    boolean ready() {
        return !lines.isEmpty();
    }

    /** The next line, as a one-argument list; only when {@link #ready()}. */
    List<String> next() {
        String line = lines.poll();
        monitor.notifyAll(); // room for the reader again
        return List.of(line);
    }

    /** Whether every line has been read and handed out. */
    boolean exhausted() {
        return eof && lines.isEmpty();
    }

    /** Lines read so far. */
    long read() {
        return read;
    }

    /** Why reading stopped early, if it did. */
    IOException failure() {
        return failure;
    }
}
