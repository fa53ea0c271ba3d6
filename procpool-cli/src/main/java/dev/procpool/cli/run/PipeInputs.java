package dev.procpool.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * {@code --pipe}: stdin cut into blocks for the jobs' stdin, as GNU parallel does: about
 * {@code --block} bytes each (default 1 MiB), cut only between records (a record ends with
 * {@code --recend}, default newline, and/or begins with {@code --recstart}), or {@code -N} records
 * each. A block that holds no whole record grows until it does.
 *
 * <p>Each block is written to a file of its own (in {@code /dev/shm} when there is one) that the
 * job reads as its stdin and deletes once opened; the reader thread stays at most {@link #AHEAD}
 * blocks ahead of the jobs, so memory and disk stay bounded whatever the input's size. The same
 * locking rules as {@link StdinInputs}.
 */
final class PipeInputs implements Streamed {
    static final int AHEAD = 8;

    private final Object monitor;
    private final Runnable onBlock;
    private final int blockSize;
    private final byte[] recend;
    private final byte[] recstart;
    private final int records;
    private final Path dir;
    private final ArrayDeque<String> blocks = new ArrayDeque<>();
    private boolean eof;
    private IOException failure;
    private long written;

    PipeInputs(Object monitor, Runnable onBlock, int blockSize, byte[] recend, byte[] recstart, int records, Path dir) {
        this.monitor = monitor;
        this.onBlock = onBlock;
        this.blockSize = blockSize;
        this.recend = recend;
        this.recstart = recstart;
        this.records = records;
        this.dir = dir;
    }

    @Override
    public void start(InputStream in) {
        Thread t = new Thread(() -> pump(in), "procpool-run-pipe");
        t.setDaemon(true);
        t.start();
    }

    private void pump(InputStream in) {
        if (records <= 0 && in == System.in && pumpRegularFile()) {
            return;
        }
        byte[] buf = new byte[Math.max(blockSize, 4096) + 65536];
        int len = 0;
        boolean end = false;
        try {
            while (!end || len > 0) {
                while (!end && len < buf.length) {
                    int n = in.read(buf, len, buf.length - len);
                    if (n < 0) {
                        end = true;
                    } else {
                        len += n;
                    }
                    if (records <= 0 ? len >= blockSize : cutPoint(buf, len) > 0) {
                        break;
                    }
                }
                int cut = end ? len : cutPoint(buf, len);
                if (cut <= 0 && !end && records <= 0) {
                    cut = firstBoundaryAfter(buf, len, blockSize); // a record longer than the block: the block grows
                }
                if (cut <= 0 && !end && len < buf.length) {
                    continue; // read more
                }
                if (cut <= 0 && !end) {
                    buf = Arrays.copyOf(buf, buf.length * 2); // no whole record yet: a bigger block
                    continue;
                }
                if (cut <= 0) {
                    break;
                }
                if (end && records > 0) {
                    int c = cutPoint(buf, len);
                    cut = c > 0 ? c : len;
                }
                emit(buf, cut);
                System.arraycopy(buf, cut, buf, 0, len - cut);
                len -= cut;
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
            onBlock.run();
        }
    }

    /**
     * Stdin redirected from a regular file ({@code < big.txt}): each block goes from the file to
     * its block file by the kernel ({@code FileChannel.transferTo}), and only a window before each
     * cut is read here to find the record boundary. Returns false (nothing consumed) when stdin is
     * no regular file.
     */
    private boolean pumpRegularFile() {
        java.nio.channels.FileChannel ch;
        long pos;
        long size;
        try {
            if (!Files.isRegularFile(Path.of("/proc/self/fd/0"))) {
                return false;
            }
            ch = new java.io.FileInputStream(java.io.FileDescriptor.in).getChannel();
            pos = ch.position();
            size = ch.size();
        } catch (IOException | RuntimeException e) {
            return false;
        }
        int window = Math.min(blockSize, 256 * 1024);
        byte[] buf = new byte[window + recstart.length + 1];
        try {
            while (pos < size) {
                long end = Math.min(size, pos + blockSize);
                if (end < size) {
                    // the last boundary in the window just before the limit (plus room to see a recstart)
                    long from = Math.max(pos, end - window);
                    int n = readAt(ch, buf, from, (int) Math.min(buf.length, size - from));
                    int cut = cutPoint(buf, n, (int) (end - from));
                    if (cut > 0) {
                        end = from + cut;
                    } else {
                        end = nextBoundary(ch, end, size); // a record longer than the window: grow the block
                    }
                }
                emit(ch, pos, end - pos);
                pos = end;
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
            onBlock.run();
        }
        return true;
    }

    private static int readAt(java.nio.channels.FileChannel ch, byte[] buf, long at, int len) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, 0, len);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                break;
            }
        }
        return b.position();
    }

    /** The first record boundary at or after {@code from}, or the end of the file. */
    private long nextBoundary(java.nio.channels.FileChannel ch, long from, long size) throws IOException {
        byte[] buf = new byte[65536 + recstart.length + recend.length];
        for (long at = from; at < size; at += 65536) {
            int n = readAt(ch, buf, at, (int) Math.min(buf.length, size - at));
            for (int i = 0; i < Math.min(n, 65536); i++) {
                int after = boundaryAt(buf, n, i);
                if (after > 0 && at + after > from) {
                    return at + after;
                }
            }
        }
        return size;
    }

    private void emit(java.nio.channels.FileChannel ch, long from, long len) throws IOException, InterruptedException {
        synchronized (monitor) {
            while (blocks.size() >= AHEAD) {
                monitor.wait();
            }
        }
        Path f = dir.resolve("block-" + (++written));
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            for (long done = 0; done < len; ) {
                long n = ch.transferTo(from + done, len - done, out);
                if (n <= 0) {
                    throw new IOException("stdin ended early (the file shrank while it was read)");
                }
                done += n;
            }
        }
        synchronized (monitor) {
            blocks.add(f.toString());
            onBlock.run();
        }
    }

    /** Where this block ends: after the last record end (or -N records) within the block size; 0 if none. */
    private int cutPoint(byte[] buf, int len) {
        return cutPoint(buf, len, Math.min(len, Math.max(blockSize, 1)));
    }

    /** As {@link #cutPoint(byte[], int)}, the block ending at most at {@code limit}. */
    private int cutPoint(byte[] buf, int len, int limit) {
        if (records > 0) {
            int count = 0;
            for (int i = 0; i < len; i++) {
                int after = boundaryAt(buf, len, i);
                if (after > 0 && ++count == records) {
                    return after;
                }
            }
            return 0;
        }
        for (int i = limit - 1; i >= 0; i--) {
            int after = boundaryAt(buf, len, i);
            if (after > 0 && after <= limit) {
                return after;
            }
        }
        return 0;
    }

    /** The first record boundary ending after {@code from}, or 0 when the buffer holds none. */
    private int firstBoundaryAfter(byte[] buf, int len, int from) {
        for (int i = Math.max(0, from - recend.length); i < len; i++) {
            int after = boundaryAt(buf, len, i);
            if (after > from) {
                return after;
            }
        }
        return 0;
    }

    /** If a record boundary starts at i (recend at i, then recstart), the index after recend; else 0. */
    private int boundaryAt(byte[] buf, int len, int i) {
        int after = i;
        if (recend.length > 0) {
            if (!matches(buf, len, i, recend)) {
                return 0;
            }
            after = i + recend.length;
        }
        if (recstart.length > 0) {
            if (after == 0 || !matches(buf, len, after, recstart)) {
                return 0;
            }
        }
        return after == 0 ? 0 : after;
    }

    private static boolean matches(byte[] buf, int len, int at, byte[] what) {
        if (at + what.length > len) {
            return false;
        }
        for (int k = 0; k < what.length; k++) {
            if (buf[at + k] != what[k]) {
                return false;
            }
        }
        return true;
    }

    private void emit(byte[] buf, int n) throws IOException, InterruptedException {
        synchronized (monitor) {
            while (blocks.size() >= AHEAD) {
                monitor.wait();
            }
        }
        Path f = dir.resolve("block-" + (++written));
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write(buf, 0, n);
        }
        synchronized (monitor) {
            blocks.add(f.toString());
            onBlock.run();
        }
    }

    @Override
    public int ready() {
        return blocks.size();
    }

    /** The next block's file, as a one-value record. */
    @Override
    public List<String> next() {
        String f = blocks.poll();
        monitor.notifyAll();
        return List.of(f);
    }

    @Override
    public boolean exhausted() {
        return eof && blocks.isEmpty();
    }

    @Override
    public boolean eof() {
        return eof;
    }

    @Override
    public IOException failure() {
        return failure;
    }
}
