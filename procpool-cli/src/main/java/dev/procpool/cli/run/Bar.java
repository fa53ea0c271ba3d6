package dev.procpool.cli.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code --bar} and {@code --eta}: one progress line on stderr ({@code 42% 42:58=31s ARG}: percent
 * done, jobs done and left, the estimated time left), redrawn in place. The line is erased
 * ({@code CR}, {@code ESC [K}) before any output is printed and drawn again after it, so job output
 * stays on its own lines. It draws only when stderr is a terminal: in a log file it would be noise.
 *
 * <p>Not thread-safe: the run calls it under its lock.
 */
final class Bar {
    private static final byte[] ERASE = "\r\033[K".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final OutputStream err;
    private final boolean on;
    private final long startNanos = System.nanoTime();
    private String line = "";
    private long lastDraw;

    private Bar(OutputStream err, boolean on) {
        this.err = err;
        this.on = on;
    }

    /** A bar that never draws. */
    static Bar off(OutputStream err) {
        return new Bar(err, false);
    }

    /** A bar that draws when stderr is a terminal. */
    static Bar onTerminal(OutputStream err) {
        return new Bar(err, stderrIsTerminal());
    }

    /** Whether fd 2 is a terminal (Linux: where /proc/self/fd/2 points). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    boolean on() {
        return on;
    }

    /** After a job ended: a new line, at most every 100 ms (always for the last job). */
    void update(long done, long total, boolean totalKnown, String lastArg) {
        if (!on) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - startNanos) / 1e9;
        long left = Math.max(0, total - done);
        String eta = done == 0 ? "?" : Long.toString(Math.round(elapsed / done * left));
        int pct = total == 0 ? 100 : (int) (done * 100 / total);
        String arg = lastArg == null ? "" : " " + lastArg.replace('\n', ' ').replace('\r', ' ');
        line = String.format(Locale.ROOT, "%s%d%% %d:%d=%ss%s", totalKnown ? "" : "~", pct, done, left, eta, arg);
        if (line.length() > 79) {
            line = line.substring(0, 79);
        }
        redraw();
    }

    void erase() throws IOException {
        if (on && !line.isEmpty()) {
            err.write(ERASE);
        }
    }

    void redraw() {
        if (!on || line.isEmpty()) {
            return;
        }
        try {
            err.write(ERASE);
            err.write(Bytes.bytes(line));
            err.flush();
        } catch (IOException e) {
            // a progress line that cannot be drawn is no reason to stop the jobs
        }
    }

    /** At the end: the last line stays, followed by a newline. */
    void finish() {
        if (on && !line.isEmpty()) {
            try {
                err.write('\n');
                err.flush();
            } catch (IOException e) {
                // as in redraw
            }
        }
    }
}
