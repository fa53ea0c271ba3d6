package dev.procpool.agents;

import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.FrameChannel;
import java.io.IOException;
import java.io.NotSerializableException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The agent's side of its connection to the supervisor, in the agent's worker. The agent's thread
 * sends and takes messages; a reader thread ({@code procpool-agent-reader-NAME}) fills the mailbox
 * and records which agents have ended and which sends came back undeliverable; a flusher thread
 * writes bursts of sends. Both threads end when the agent ends.
 */
final class AgentLink {
    /** Past this many bytes sent without a flush of our own, a send writes (and waits for) the socket. */
    private static final int MAX_UNFLUSHED = 256 * 1024;
    private static final Object CLOSED = new Object();

    final int id;
    final String name;
    private final Directory dir;
    private final ClassLoader loader;
    private final Socket socket;
    private final FrameChannel ch;
    private final Mailbox mailbox;
    private final Flusher flusher;
    private final Thread reader;
    private final AtomicIntegerArray ended;
    /** Agents whose end this agent has been told about by an UndeliverableException. */
    private final AtomicIntegerArray told;
    private final Bytes.Out out = new Bytes.Out(256);
    private final Bytes.Out msg = new Bytes.Out(256);
    /**
     * Sends to the same recipients in a row travel as one SEND frame: recipients once, then each
     * message (count, then length and bytes of each). The batch is closed into a frame when the
     * recipients change, before a print, and when it is written: at once for a lone send, by the
     * flusher for a burst. Guarded by batchLock (the agent's thread and the flusher).
     */
    private final Object batchLock = new Object();
    private final Bytes.Out batch = new Bytes.Out(1024);
    private int batchHeader;
    private int batchCount;
    private volatile boolean flushQueued;
    private volatile long lastFlushNanos;
    private final Map<String, Recipient> idsCache = new HashMap<>();
    private final Map<Class<?>, int[]> listenersCache = new HashMap<>();
    /** A notice from the supervisor, thrown at the agent's next send or receive. Guarded by noticeLock. */
    private Notice notice;
    private final Object noticeLock = new Object();
    /** Whether {@link #notice} is set: the send path checks it without the lock. */
    private volatile boolean hasNotice;
    private volatile boolean closing;
    private long unflushed;
    int lastSender = Agent.SUPERVISOR_ID;

    private AgentLink(int id, Directory dir, Socket socket, FrameChannel ch, int mailboxCapacity, ClassLoader loader) {
        this.id = id;
        this.name = dir.names[id];
        this.dir = dir;
        this.loader = loader;
        this.socket = socket;
        this.ch = ch;
        this.mailbox = new Mailbox(mailboxCapacity);
        this.ended = new AtomicIntegerArray(dir.size());
        this.told = new AtomicIntegerArray(dir.size());
        this.flusher = new Flusher("procpool-agent-flusher-" + name);
        this.reader = new Thread(this::readLoop, "procpool-agent-reader-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    static AgentLink connect(int id, int incarnation, Directory dir, int port, String secret, int mailboxCapacity,
            ClassLoader loader) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        try {
            FrameChannel ch = new FrameChannel();
            ch.connectQuietly(socket);
            Buf hello = new Buf(64);
            hello.writeInt(incarnation);
            hello.writeString(secret);
            ch.writeFirst(Wire.HELLO, id, hello.array(), 0, hello.size());
            FrameChannel.Frame f = ch.read();
            if (f.type != Wire.WELCOME) {
                throw new IOException("the supervisor refused agent " + dir.describe(id) + " (frame " + f.type + ")");
            }
            ch.startWriting();
            return new AgentLink(id, dir, socket, ch, mailboxCapacity, loader);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw new IOException("agent " + dir.describe(id) + " could not reach its supervisor at port " + port
                    + ": " + e.getMessage(), e);
        }
    }

    private void readLoop() {
        List<Object> incoming = new ArrayList<>();
        try {
            while (true) {
                FrameChannel.Frame f = ch.read();
                switch (f.type) {
                    case Wire.MESSAGE -> {
                        ByteBuffer p = ByteBuffer.wrap(f.payload);
                        int n = p.getInt();
                        for (int i = 0; i < n; i++) {
                            int len = p.getInt();
                            if (len < 0 || len > p.remaining()) {
                                throw new IOException("malformed MESSAGE from the supervisor");
                            }
                            incoming.add(new Incoming((int) f.id, f.payload, p.position(), len));
                            p.position(p.position() + len);
                        }
                    }
                    case Wire.TERM -> incoming.add(new Incoming(Agent.SUPERVISOR_ID, null, 0, 0));
                    case Wire.ENDED -> {
                        if (f.id >= 0 && f.id < dir.size()) {
                            ended.set((int) f.id, 1);
                        }
                    }
                    case Wire.UNDELIVERABLE -> {
                        // Told once per ended agent, this way or by a send that failed at once:
                        // every send that was on its way to it brings a notice.
                        int about = f.id >= 0 && f.id < dir.size() ? (int) f.id : -1;
                        if (about >= 0) {
                            ended.set(about, 1);
                        }
                        synchronized (noticeLock) {
                            if ((about < 0 || told.getAndSet(about, 1) == 0) && notice == null) {
                                notice = new Notice(about, new String(f.payload, StandardCharsets.UTF_8));
                                hasNotice = true;
                            }
                        }
                    }
                    default -> throw new IOException("unexpected frame type " + f.type + " from the supervisor");
                }
                if (!incoming.isEmpty() && (incoming.size() >= 1024 || !ch.hasBufferedFrame())) {
                    if (!closing) {
                        mailbox.putAll(incoming);
                    }
                    incoming.clear();
                }
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            // the agent ended (we closed the socket) or the supervisor went away
        } finally {
            mailbox.close(CLOSED);
        }
    }

    Object next(long nanos) throws InterruptedException {
        checkUndelivered();
        Object item = mailbox.take(nanos);
        if (item == null) {
            return null;
        }
        if (item == CLOSED) {
            mailbox.close(CLOSED); // every later call sees it too
            throw new IllegalStateException("agent " + dir.describe(id) + " lost its connection to the supervisor");
        }
        Incoming in = (Incoming) item;
        lastSender = in.sender;
        if (in.bytes == null) {
            return new ResidentTerm();
        }
        try {
            return MessageCodec.decode(in.bytes, in.off, in.len, loader);
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("agent " + dir.describe(id) + " could not decode a message from agent "
                    + dir.describe(lastSender) + ": " + e, e);
        }
    }

    private void checkUndelivered() {
        if (!hasNotice) {
            return;
        }
        Notice n;
        synchronized (noticeLock) {
            n = notice;
            notice = null;
            hasNotice = false;
        }
        if (n != null) {
            throw n.about < 0 ? new NoListenerException(n.reason) : new UndeliverableException(n.reason);
        }
    }

    /** A send found undeliverable by the supervisor: about which agent (-1: LISTENERS), and why. */
    private record Notice(int about, String reason) {
    }

    /** One message taken from a MESSAGE frame (a slice of its payload), or TERM (no bytes). */
    private static final class Incoming {
        final int sender;
        final byte[] bytes;
        final int off;
        final int len;

        Incoming(int sender, byte[] bytes, int off, int len) {
            this.sender = sender;
            this.bytes = bytes;
            this.off = off;
            this.len = len;
        }
    }

    Recipient ids(String name) {
        Recipient r = idsCache.get(name);
        if (r == null) {
            int[] ids = dir.idsOf(name);
            if (ids.length == 0) {
                throw new NoSuchAgentException("no agent is named '" + name + "'; the agents are "
                        + String.join(", ", new java.util.LinkedHashSet<>(List.of(dir.names))));
            }
            r = Recipient.ids(ids);
            idsCache.put(name, r);
        }
        return r;
    }

    void send(Recipient to, Object message) {
        Objects.requireNonNull(to, "recipient");
        Objects.requireNonNull(message, "message");
        checkUndelivered();
        int[] listeners = listenersCache.get(message.getClass());
        if (listeners == null) {
            listeners = dir.listenersOf(message.getClass(), id);
            listenersCache.put(message.getClass(), listeners);
        }
        Bytes.Out b = out;
        b.reset();
        switch (to.kind) {
            case IDS -> {
                int[] ids = to.idsUnsafe();
                int live = 0;
                for (int t : ids) {
                    if (t >= dir.size()) {
                        throw new NoSuchAgentException("no agent has id " + t + "; ids go from 0 to " + (dir.size() - 1));
                    }
                    if (ended.get(t) == 0) {
                        live++;
                    }
                }
                if (live == 0) {
                    synchronized (noticeLock) { // this exception tells it: drop a notice saying the same
                        for (int t : ids) {
                            told.set(t, 1);
                        }
                        if (notice != null && contains(ids, notice.about())) {
                            notice = null;
                            hasNotice = false;
                        }
                    }
                    throw new UndeliverableException("cannot send a " + message.getClass().getName() + " to agent "
                            + dir.describe(ids[0]) + (ids.length > 1 ? " and the others of " + to : "")
                            + ": it has ended");
                }
                b.write(Wire.MODE_IDS);
                b.writeInt(live);
                for (int t : ids) {
                    if (ended.get(t) == 0) {
                        b.writeInt(t);
                    }
                }
                writeLenient(b, listeners, ids);
            }
            case LISTENERS -> {
                int live = countLive(listeners);
                if (live == 0) {
                    throw new NoListenerException("no agent listens to " + message.getClass().getName()
                            + (listeners.length == 0 ? " or a supertype of it" : " any more (its listeners have ended)"));
                }
                b.write(Wire.MODE_LISTENERS);
                b.writeInt(live);
                for (int t : listeners) {
                    if (ended.get(t) == 0) {
                        b.writeInt(t);
                    }
                }
                b.writeInt(0);
            }
            case BROADCAST -> {
                b.write(Wire.MODE_BROADCAST);
                b.writeInt(0);
                int live = 0;
                for (int t = 0; t < dir.size(); t++) {
                    if (t != id && ended.get(t) == 0) {
                        live++;
                    }
                }
                b.writeInt(live);
                for (int t = 0; t < dir.size(); t++) {
                    if (t != id && ended.get(t) == 0) {
                        b.writeInt(t);
                    }
                }
            }
            case SUPERVISOR -> {
                b.write(Wire.MODE_IDS);
                b.writeInt(1);
                b.writeInt(Wire.TO_SUPERVISOR);
                writeLenient(b, listeners, new int[0]);
            }
        }
        Bytes.Out m = msg;
        m.reset();
        try {
            MessageCodec.encode(message, m);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("the message cannot be serialized: " + message.getClass().getName()
                    + " (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("the message could not be encoded: " + message.getClass().getName()
                    + ": " + e, e);
        }
        sendBatched(b, m);
    }

    /** Past this many bytes a batch is closed, so one frame stays small for the supervisor to copy. */
    private static final int MAX_BATCH = 64 * 1024;
    /** Sends closer together than this are a burst, written together by the flusher. */
    private static final long BURST_NANOS = 10_000;

    private void sendBatched(Bytes.Out header, Bytes.Out m) {
        if (ch.isBroken()) {
            throw new IllegalStateException("agent " + dir.describe(id) + " lost its connection to the supervisor");
        }
        synchronized (batchLock) {
            if (batchCount > 0 && (batchHeader != header.size() || batch.size() + m.size() > MAX_BATCH
                    || !java.util.Arrays.equals(batch.array(), 0, batchHeader, header.array(), 0, batchHeader))) {
                closeBatchLocked();
            }
            if (batchCount == 0) {
                batch.reset();
                batch.write(header.array(), 0, header.size());
                batchHeader = header.size();
                batch.writeInt(0); // the count, set when the batch is closed
            }
            batch.writeInt(m.size());
            batch.write(m.array(), 0, m.size());
            batchCount++;
        }
        unflushed += m.size() + 4;
        if (unflushed > MAX_UNFLUSHED) {
            unflushed = 0;
            writeNow(); // waits while the supervisor does not read: flow control for a flooding agent
        } else if (!flushQueued) {
            if (System.nanoTime() - lastFlushNanos < BURST_NANOS) {
                flushQueued = true;
                flusher.later(this::writeQueued);
            } else {
                writeNow();
            }
        }
    }

    private void closeBatchLocked() {
        if (batchCount > 0) {
            batch.putInt(batchHeader, batchCount);
            ch.send(Wire.SEND, id, batch.array(), 0, batch.size(), false);
            batchCount = 0;
        }
    }

    private void writeNow() {
        synchronized (batchLock) {
            closeBatchLocked();
        }
        lastFlushNanos = System.nanoTime();
        ch.flush();
    }

    /** The flusher's side of a burst. */
    private void writeQueued() {
        flushQueued = false;
        writeNow();
    }

    private void writeLenient(Bytes.Out b, int[] listeners, int[] exclude) {
        int n = 0;
        for (int t : listeners) {
            if (ended.get(t) == 0 && !contains(exclude, t)) {
                n++;
            }
        }
        b.writeInt(n);
        for (int t : listeners) {
            if (ended.get(t) == 0 && !contains(exclude, t)) {
                b.writeInt(t);
            }
        }
    }

    private int countLive(int[] ids) {
        int n = 0;
        for (int t : ids) {
            if (ended.get(t) == 0) {
                n++;
            }
        }
        return n;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    void print(String text) {
        if (ch.isBroken()) {
            throw new IllegalStateException("agent " + dir.describe(id) + " lost its connection to the supervisor");
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        synchronized (batchLock) {
            closeBatchLocked(); // after the messages sent before it
            ch.send(Wire.PRINT, id, bytes, 0, bytes.length, false);
        }
        writeNow();
    }

    /** Writes what is left, then closes: the supervisor reads every frame before it sees the end. */
    void close() {
        closing = true;
        mailbox.close(CLOSED); // a reader waiting for room goes on, dropping what comes
        flusher.stop();
        writeNow();
        try {
            socket.shutdownOutput();
            // Closing with unread input would reset the connection, and the supervisor could lose
            // our last frames: wait for it to close its side once it has read them all.
            reader.join(5_000);
        } catch (IOException ignored) {
            // the supervisor is gone; nothing to tell it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ch.close();
    }
}
