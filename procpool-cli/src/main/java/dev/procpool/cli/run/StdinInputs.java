package dev.procpool.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Arguments read from stdin one record at a time while jobs run, as GNU parallel does, so that
 * {@code tail -f log | procpool run ...} starts a job per line as lines come, and a huge input is
 * never held whole in memory. A reader thread stays at most {@link #AHEAD} records ahead of the jobs.
 *
 * <p>Every method is called with the {@code monitor} (the run's lock) held, except {@link #start};
 * {@code onLine} is called with it held whenever a record or the end of input arrives.
 */
final class StdinInputs implements Streamed {
    /** How many records the reader may read ahead of the jobs. */
    static final int AHEAD = 4096;

    private final Object monitor;
    private final Runnable onLine;
    private final int delimiter;
    private final Consumer<String> warn;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private boolean eof;
    private IOException failure;
    private long read;

    StdinInputs(Object monitor, Runnable onLine, int delimiter, Consumer<String> warn) {
        this.monitor = monitor;
        this.onLine = onLine;
        this.delimiter = delimiter;
        this.warn = warn;
    }

    @Override
    public void start(InputStream in) {
        Thread t = new Thread(() -> pump(in), "procpool-run-input");
        t.setDaemon(true);
        t.start();
    }

    private void pump(InputStream in) {
        Records records = new Records(in, delimiter, warn);
        try {
            for (String line; (line = records.next()) != null; ) {
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

    /** How many records are ready now. */
    @Override
    public int ready() {
        return lines.size();
    }

    /** The next record, as a one-column list; only when {@link #ready()} is positive. */
    @Override
    public List<String> next() {
        String line = lines.poll();
        monitor.notifyAll(); // room for the reader again
        return List.of(line);
    }

    /** Whether every record has been read and handed out. */
    @Override
    public boolean exhausted() {
        return eof && lines.isEmpty();
    }

    /** Whether the end of the input has been read. */
    @Override
    public boolean eof() {
        return eof;
    }

    /** Records read so far. */
    long read() {
        return read;
    }

    /** Why reading stopped early, if it did. */
    @Override
    public IOException failure() {
        return failure;
    }
}
