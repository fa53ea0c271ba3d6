package dev.procpool.cli.run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where jobs' output goes, with GNU parallel's grouping: each job's stdout then its stderr, printed
 * together when the job ends ({@code --group}), in input order with {@code -k}; lines prefixed with
 * the tag ({@code --tag}, {@code --tagstring}). The progress bar is erased before and drawn again
 * after each piece of output, so output lines never carry a piece of the bar.
 *
 * <p>Not thread-safe: the run calls it under its lock.
 */
final class Printer {
    private final OutputStream out;
    private final OutputStream err;
    private final boolean keepOrder;
    private final Bar bar;
    private final TreeMap<Long, byte[][]> pending = new TreeMap<>();
    private long nextToPrint = 1;

    Printer(OutputStream out, OutputStream err, boolean keepOrder, Bar bar) {
        this.out = out;
        this.err = err;
        this.keepOrder = keepOrder;
        this.bar = bar;
    }

    /** One job's output, complete; {@code tag} is a byte string or null. */
    void job(long seq, byte[] stdout, byte[] stderr, String tag) {
        byte[] o = tag == null ? stdout : tagLines(tag, stdout);
        byte[] e = tag == null ? stderr : tagLines(tag, stderr);
        if (!keepOrder) {
            write(o, e);
            return;
        }
        pending.put(seq, new byte[][] {o, e});
        flush(false);
    }

    /** A job that prints nothing (skipped by --resume) still takes its turn in input order. */
    void nothing(long seq) {
        if (keepOrder) {
            job(seq, new byte[0], new byte[0], null);
        }
    }

    /** Prints what is kept; with {@code all}, also what waits for an earlier job that never came. */
    void flush(boolean all) {
        while (!pending.isEmpty() && (pending.firstKey() == nextToPrint || all)) {
            Map.Entry<Long, byte[][]> e = pending.pollFirstEntry();
            write(e.getValue()[0], e.getValue()[1]);
            nextToPrint = e.getKey() + 1;
        }
    }

    /** A message line (a byte string) on stderr, clear of the bar. */
    void message(String line) {
        write(new byte[0], Bytes.bytes(line + "\n"));
    }

    /** Raw bytes to stdout (--line-buffer lines, --dry-run, the joblog on stdout), clear of the bar. */
    void stdout(byte[] bytes) {
        write(bytes, new byte[0]);
    }

    /** Raw bytes to stderr, clear of the bar. */
    void stderr(byte[] bytes) {
        write(new byte[0], bytes);
    }

    private void write(byte[] o, byte[] e) {
        if (o.length == 0 && e.length == 0) {
            return;
        }
        try {
            bar.erase();
            if (o.length > 0) {
                out.write(o);
                out.flush();
            }
            if (e.length > 0) {
                err.write(e);
                err.flush();
            }
            bar.redraw();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the output: " + ex.getMessage(), ex);
        }
    }

    /** Every line of {@code bytes} prefixed with {@code tag} and a tab (a last line without newline stays so). */
    static byte[] tagLines(String tag, byte[] bytes) {
        if (bytes.length == 0) {
            return bytes;
        }
        byte[] prefix = Bytes.bytes(tag + "\t");
        ByteArrayOutputStream sb = new ByteArrayOutputStream(bytes.length + prefix.length * 4);
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == bytes.length) {
                    break;
                }
                sb.write(prefix, 0, prefix.length);
                sb.write(bytes, start, i - start);
                if (i < bytes.length) {
                    sb.write('\n');
                }
                start = i + 1;
            }
        }
        return sb.toByteArray();
    }
}
