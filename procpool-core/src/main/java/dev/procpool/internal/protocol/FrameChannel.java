package dev.procpool.internal.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Frames over a blocking socket channel: one reader thread calls {@link #read}; any thread may
 * send. Sending appends to a buffer under a short lock; {@link #flush} writes everything appended
 * so far in one system call, so a burst of frames wakes the peer once.
 *
 * <p>Two locks: {@code appendLock} guards the buffer and is never held during I/O;
 * {@code writeLock} serializes the system calls (a flush swaps the buffer out under
 * {@code appendLock}, then writes it under {@code writeLock} alone). Frames therefore leave in the
 * order they were appended, and a thread appending is never stuck behind a peer that stopped
 * reading, only a thread flushing is.
 *
 * <p>Who writes: a thread that may wait for this one peer calls {@link #flush}; a thread that must
 * never wait for a peer (a shared timer, another worker's reader) calls {@link #flushAsync}, and
 * the channel's own writer thread, started on first use, does the write; {@link #flushSoon}
 * writes at once unless frames come in a burst, which the writer then takes in one write. So a
 * peer that stopped reading holds up only its own writer and the threads that chose to wait for it.
 *
 * <p>Before {@link #attach} (the child has not connected yet) frames only accumulate. After the
 * channel breaks, they are dropped silently: the reader sees the break and reports it, which is
 * the one place a dead peer is handled.
 */
public final class FrameChannel {
    private static final int INITIAL = 64 * 1024;

    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private ByteBuffer out = ByteBuffer.allocate(INITIAL); // guarded by appendLock
    private ByteBuffer spare = ByteBuffer.allocate(INITIAL); // guarded by writeLock
    private ByteBuffer in = ByteBuffer.allocate(INITIAL);
    /** Sends closer together than this are a burst, written together by the writer thread. */
    private static final long BURST_NANOS = 10_000;

    private volatile Io channel;
    private volatile long lastWriteNanos;
    /** A write is wanted from the writer thread; it clears this before each write. */
    private final java.util.concurrent.atomic.AtomicBoolean writeWanted = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Thread writer;
    private volatile String name = "channel";
    /** False while a worker's channel is connected but its handshake is not done: frames wait. */
    private volatile boolean writable = true;
    private volatile boolean broken;

    public FrameChannel() {
        in.flip();
    }

    /** A channel over a connected NIO socket (the controller's side). */
    public FrameChannel(SocketChannel channel) throws IOException {
        this();
        this.channel = new ChannelIo(channel);
    }

    /**
     * A channel over a connected classic socket (the worker's side: {@code java.net.Socket} loads
     * far fewer classes than NIO channels, which is start-up time for every worker).
     */
    public FrameChannel(Socket socket) throws IOException {
        this();
        this.channel = new StreamIo(socket);
    }

    /** A read-only channel over a stream: the worker reads the frames preloaded on its stdin. */
    public static FrameChannel reading(InputStream in) {
        FrameChannel f = new FrameChannel();
        f.channel = new StreamIo(null, in, null);
        return f;
    }

    /** Connects the channel and writes what was sent before. */
    public void attach(SocketChannel ch) throws IOException {
        this.channel = new ChannelIo(ch);
        flush();
    }

    /** Connects the channel to a classic (e.g. TLS) socket and writes what was sent before. */
    public void attach(Socket socket) throws IOException {
        this.channel = new StreamIo(socket);
        flush();
    }

    /**
     * The worker's side: connects for reading and for {@link #writeFirst}, while frames sent
     * meanwhile wait in the buffer until {@link #startWriting()} (after the handshake).
     */
    public void connectQuietly(Socket socket) throws IOException {
        writable = false;
        this.channel = new StreamIo(socket);
    }

    /** Writes one frame at once, ahead of everything buffered (the handshake's first frame). */
    public void writeFirst(byte type, long id, byte[] payload, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Frames.HEADER + len);
        b.putInt(1 + 8 + len).put(type).putLong(id).put(payload, off, len).flip();
        writeLock.lock();
        try {
            channel.write(b);
        } finally {
            writeLock.unlock();
        }
    }

    /** Lets buffered and later frames go out. */
    public void startWriting() {
        writable = true;
        flush();
    }

    /**
     * Takes what was sent before the channel was attached, if it is no more than {@code max}
     * bytes, so it can travel another way (a worker's stdin); null if there is nothing to take.
     */
    public byte[] takeUnattached(int max) {
        appendLock.lock();
        try {
            if (channel != null || out.position() == 0 || out.position() > max) {
                return null;
            }
            byte[] taken = new byte[out.position()];
            out.flip();
            out.get(taken);
            out.clear();
            return taken;
        } finally {
            appendLock.unlock();
        }
    }

    public boolean isAttached() {
        return channel != null;
    }

    public boolean isBroken() {
        return broken;
    }

    /** Appends one frame; writes everything appended so far if {@code flush}. */
    public void send(byte type, long id, byte[] payload, int off, int len, boolean flush) {
        appendLock.lock();
        try {
            appendLocked(type, id, payload, off, len);
        } finally {
            appendLock.unlock();
        }
        if (flush) {
            flush();
        }
    }

    public void send(byte type, long id, boolean flush) {
        send(type, id, null, 0, 0, flush);
    }

    /**
     * Sends a frame without ever blocking the caller: for heartbeats and their answers, which must
     * never wait behind a peer that stopped reading. The channel's writer thread writes it.
     */
    public void trySend(byte type, long id) {
        send(type, id, false);
        flushAsync();
    }

    /** Names the writer thread ({@code procpool-writer-NAME}). */
    public void name(String name) {
        this.name = name;
    }

    /**
     * Writes everything appended so far without blocking the caller: the channel's own writer
     * thread does it. Frames still leave in the order they were appended.
     */
    public void flushAsync() {
        if (writeWanted.getAndSet(true)) {
            return; // the writer's coming write takes these frames too
        }
        Thread w = writer;
        if (w == null) {
            w = startWriter();
        }
        java.util.concurrent.locks.LockSupport.unpark(w);
    }

    private synchronized Thread startWriter() {
        if (writer == null) {
            Thread t = new Thread(this::writeLoop, "procpool-writer-" + name);
            t.setDaemon(true);
            writer = t;
            t.start();
        }
        return writer;
    }

    private void writeLoop() {
        while (!broken) {
            if (!writeWanted.getAndSet(false)) {
                java.util.concurrent.locks.LockSupport.park(this);
                continue;
            }
            flush();
        }
    }

    /** Writes everything appended so far. */
    public void flush() {
        writeLock.lock();
        try {
            writeOut();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes what was appended now, unless frames are being sent in a burst or another thread is
     * writing: then the writer thread takes them in its next write. A send long after the last
     * write (a single call, a round trip) is written at once, on the caller's thread.
     */
    public void flushSoon() {
        if (writeWanted.get()) {
            return; // the writer's coming write takes this frame too
        }
        if (System.nanoTime() - lastWriteNanos < BURST_NANOS || writeLock.isLocked()) {
            flushAsync();
        } else {
            flush();
        }
    }

    private void appendLocked(byte type, long id, byte[] payload, int off, int len) {
        int need = Frames.HEADER + len;
        if (out.remaining() < need) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + need));
            out.flip();
            bigger.put(out);
            out = bigger;
        }
        out.putInt(1 + 8 + len).put(type).putLong(id);
        if (len > 0) {
            out.put(payload, off, len);
        }
    }

    /** Call with writeLock held. */
    private void writeOut() {
        Io ch = channel;
        if (ch == null || !writable) {
            return;
        }
        ByteBuffer toWrite;
        appendLock.lock();
        try {
            if (out.position() == 0) {
                return;
            }
            toWrite = out;
            out = spare.capacity() > 4 * INITIAL ? ByteBuffer.allocate(INITIAL) : spare;
        } finally {
            appendLock.unlock();
        }
        toWrite.flip();
        lastWriteNanos = System.nanoTime();
        try {
            while (toWrite.hasRemaining() && !broken) {
                ch.write(toWrite);
            }
        } catch (IOException e) {
            broken = true;
        } finally {
            toWrite.clear();
            spare = toWrite; // give back what one big frame took on the next swap
        }
    }

    /** Whether a whole frame is already buffered, so the next {@link #read} will not block. */
    public boolean hasBufferedFrame() {
        if (in.remaining() < 4) {
            return false;
        }
        int length = in.getInt(in.position());
        return length >= 9 && in.remaining() >= 4 + length;
    }

    /**
     * Reads the next frame, blocking.
     *
     * @throws EOFException when the peer closed the channel cleanly between frames
     * @throws ProtocolException when the bytes are not a valid frame
     */
    public Frame read() throws IOException {
        fill(4);
        int length = in.getInt(in.position());
        if (length < 9 || length > Frames.MAX_FRAME) {
            throw new ProtocolException("bad frame length " + length + " (bytes "
                    + hex(in, in.position(), Math.min(in.remaining(), 16)) + ")");
        }
        fill(4 + length);
        in.getInt();
        byte type = in.get();
        long id = in.getLong();
        byte[] payload = new byte[length - 9];
        in.get(payload);
        return new Frame(type, id, payload);
    }

    private void fill(int n) throws IOException {
        if (in.remaining() >= n) {
            return;
        }
        in.compact();
        try {
            while (in.position() < n) {
                if (!in.hasRemaining()) {
                    // grow as the bytes arrive, not to the length a header claims: a peer that
                    // announces a huge frame and sends nothing costs no memory
                    ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(n, Math.max(2L * in.capacity(), INITIAL)));
                    in.flip();
                    bigger.put(in);
                    in = bigger;
                }
                int r = channel.read(in);
                if (r < 0) {
                    if (in.position() == 0) {
                        throw new EOFException("channel closed by peer");
                    }
                    throw new ProtocolException("channel closed in the middle of a frame");
                }
            }
        } finally {
            in.flip();
        }
    }

    private static String hex(ByteBuffer b, int from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x", b.get(from + i)));
        }
        return sb.toString();
    }

    /**
     * Ends the reading side: a blocked {@link #read} sees EOF. A JVM exits in about a third of a
     * second instead of a few milliseconds while a thread is blocked reading a Unix socket, so the
     * worker does this before it exits.
     */
    public void shutdownInput() {
        Io ch = channel;
        if (ch != null) {
            try {
                ch.shutdownInput();
            } catch (IOException ignored) {
                // already closed: nothing blocks on it
            }
        }
    }

    /** Closes the channel; a blocked {@link #read} ends with an exception. */
    public void close() {
        broken = true;
        Thread w = writer;
        if (w != null) {
            java.util.concurrent.locks.LockSupport.unpark(w);
        }
        Io ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing is best effort; the reader reports the outcome
            }
        }
    }

    /** The two kinds of socket behind a channel, reduced to what frames need. */
    private interface Io {
        int read(ByteBuffer b) throws IOException;

        void write(ByteBuffer b) throws IOException;

        void shutdownInput() throws IOException;

        void close() throws IOException;
    }

    private static final class ChannelIo implements Io {
        private final SocketChannel ch;

        ChannelIo(SocketChannel ch) throws IOException {
            this.ch = ch;
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }

        @Override
        public int read(ByteBuffer b) throws IOException {
            return ch.read(b);
        }

        @Override
        public void write(ByteBuffer b) throws IOException {
            ch.write(b);
        }

        @Override
        public void shutdownInput() throws IOException {
            ch.shutdownInput();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** Heap buffers only, which is all this class uses. */
    private static final class StreamIo implements Io {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        StreamIo(Socket socket) throws IOException {
            this(socket, socket.getInputStream(), socket.getOutputStream());
            socket.setTcpNoDelay(true);
        }

        StreamIo(Socket socket, InputStream in, OutputStream out) {
            this.socket = socket;
            this.in = in;
            this.out = out;
        }

        @Override
        public int read(ByteBuffer b) throws IOException {
            int n = in.read(b.array(), b.arrayOffset() + b.position(), b.remaining());
            if (n > 0) {
                b.position(b.position() + n);
            }
            return n;
        }

        @Override
        public void write(ByteBuffer b) throws IOException {
            out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            b.position(b.limit());
        }

        @Override
        public void shutdownInput() throws IOException {
            if (socket != null) {
                socket.shutdownInput();
            }
        }

        @Override
        public void close() throws IOException {
            if (socket != null) {
                socket.close();
            } else {
                in.close();
            }
        }
    }

    /** One frame as read. */
    public static final class Frame {
        public final byte type;
        public final long id;
        public final byte[] payload;

        Frame(byte type, long id, byte[] payload) {
            this.type = type;
            this.id = id;
            this.payload = payload;
        }
    }
}
