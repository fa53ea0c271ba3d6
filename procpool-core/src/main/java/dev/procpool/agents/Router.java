package dev.procpool.agents;

import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.Handshake;
import dev.procpool.internal.protocol.FrameChannel;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The supervisor's side of the agents' connections: accepts them on a loopback port, checks each
 * one's secret, and routes what each agent sends, one reader thread per agent
 * ({@code procpool-agent-route-NAME}).
 *
 * <p>Routing copies the message's bytes, never decoding them, to each recipient's channel; once the
 * reader has handled every frame it has read, it writes each channel it touched, once. So a burst
 * from one agent reaches another in few writes, and a lone message is written at once. The write
 * waits while the recipient does not read (its mailbox is full): then this reader stops reading
 * the sender, whose own writes then wait. Memory stays bounded without dropping anything.
 *
 * <p>State per agent ({@link Slot}): the channel of its current incarnation (replaced, unattached,
 * before a restart, so that messages for it wait in that channel's buffer) and whether it has ended
 * for good. Both are volatile, written by the supervising thread, read by the readers.
 */
final class Router {
    static final class Slot {
        final int id;
        final String name;
        volatile FrameChannel channel = new FrameChannel();
        volatile int incarnation;
        volatile boolean attached;
        volatile boolean ended;

        Slot(int id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    /** What the supervisor hears about connections: reader of (agent, incarnation) ended. */
    interface Events {
        void readerEnded(int id, int incarnation);
    }

    private final Slot[] slots;
    private final Directory dir;
    private final String secret;
    private final ServerSocketChannel server;
    private final PrintHandler printHandler;
    private final MessageHandler messageHandler;
    private final Events events;
    private final ClassLoader loader;
    private final Flusher flusher;
    private final Thread acceptor;
    private final Set<SocketChannel> accepted = ConcurrentHashMap.newKeySet();
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Router(Directory dir, String secret, PrintHandler printHandler, MessageHandler messageHandler, Events events,
            ClassLoader loader) throws IOException {
        this.dir = dir;
        this.secret = secret;
        this.printHandler = printHandler;
        this.messageHandler = messageHandler;
        this.events = events;
        this.loader = loader;
        this.slots = new Slot[dir.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, dir.names[i]);
        }
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        flusher = new Flusher("procpool-agent-flusher-supervisor");
        acceptor = new Thread(this::acceptLoop, "procpool-agent-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    Slot slot(int id) {
        return slots[id];
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel sc;
            try {
                sc = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.add(sc);
            Thread t = new Thread(() -> serve(sc), "procpool-agent-route-new");
            t.setDaemon(true);
            readers.add(t);
            t.start();
        }
    }

    /** Handshake, then route the agent's frames until it closes its side. */
    private void serve(SocketChannel sc) {
        try {
            Slot s;
            int incarnation;
            try {
                FrameChannel hello = new FrameChannel(sc);
                FrameChannel.Frame f = hello.read();
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(f.payload));
                incarnation = in.readInt();
                int n = in.readInt();
                byte[] theirs = n >= 0 && n <= Handshake.MAX_SECRET ? in.readNBytes(n) : new byte[0];
                boolean ok = f.type == Wire.HELLO && f.id >= 0 && f.id < slots.length
                        && Handshake.sameSecret(secret.getBytes(StandardCharsets.UTF_8), theirs);
                s = ok ? slots[(int) f.id] : null;
                synchronized (this) {
                    if (s == null || s.incarnation != incarnation || s.attached || s.ended || closed) {
                        sc.close(); // a stranger, or a stale incarnation
                        return;
                    }
                    s.attached = true;
                }
                Thread.currentThread().setName("procpool-agent-route-" + s.name);
                ByteBuffer welcome = ByteBuffer.allocate(Frames.HEADER).order(ByteOrder.BIG_ENDIAN);
                welcome.putInt(9).put(Wire.WELCOME).putLong(0).flip();
                while (welcome.hasRemaining()) {
                    sc.write(welcome);
                }
                s.channel.attach(sc); // writes what was sent to it before it connected
            } catch (IOException e) {
                closeQuietly(sc);
                return;
            }
            route(s, incarnation);
        } finally {
            readers.remove(Thread.currentThread());
        }
    }

    private void route(Slot from, int incarnation) {
        FrameChannel ch = from.channel;
        boolean[] dirty = new boolean[slots.length];
        int[] dirtyList = new int[slots.length];
        int dirtyCount = 0;
        try {
            while (true) {
                if (dirtyCount > 0 && !ch.hasBufferedFrame()) {
                    flushAll(dirty, dirtyList, dirtyCount);
                    dirtyCount = 0;
                }
                FrameChannel.Frame f = ch.read();
                if (f.type == Wire.SEND) {
                    dirtyCount = send(from, f.payload, dirty, dirtyList, dirtyCount);
                } else if (f.type == Wire.PRINT) {
                    print(from, new String(f.payload, StandardCharsets.UTF_8));
                } else {
                    throw new IOException("unexpected frame type " + f.type + " from agent " + from.name);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the agent closed its side (it ended) or died; the worker tells which
        } finally {
            flushAll(dirty, dirtyList, dirtyCount);
            ch.close(); // lets the agent's side finish closing
            events.readerEnded(from.id, incarnation);
        }
    }

    private void flushAll(boolean[] dirty, int[] list, int count) {
        for (int i = 0; i < count; i++) {
            dirty[list[i]] = false;
            slots[list[i]].channel.flush();
        }
    }

    private int send(Slot from, byte[] p, boolean[] dirty, int[] dirtyList, int dirtyCount) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(p);
        byte mode = b.get();
        int nStrict = b.getInt();
        int strictAt = b.position();
        b.position(strictAt + 4 * nStrict);
        int nLenient = b.getInt();
        int lenientAt = b.position();
        int msgAt = lenientAt + 4 * nLenient;
        int msgLen = p.length - msgAt;
        if (nStrict < 0 || nLenient < 0 || msgLen < 0) {
            throw new IOException("malformed SEND from agent " + from.name);
        }
        int delivered = 0;
        for (int i = 0; i < nStrict; i++) {
            int t = b.getInt(strictAt + 4 * i);
            if (t == Wire.TO_SUPERVISOR) {
                toSupervisor(from, p, msgAt, msgLen);
                delivered++;
            } else if (t >= 0 && t < slots.length && !slots[t].ended) {
                slots[t].channel.send(Wire.MESSAGE, from.id, p, msgAt, msgLen, false);
                if (!dirty[t]) {
                    dirty[t] = true;
                    dirtyList[dirtyCount++] = t;
                }
                delivered++;
            } else if (mode == Wire.MODE_IDS && t >= 0 && t < slots.length) {
                undeliverable(from, t, "a message from agent " + dir.describe(from.id) + " to agent "
                        + dir.describe(t) + " was not delivered: the recipient had ended");
            }
        }
        for (int i = 0; i < nLenient; i++) {
            int t = b.getInt(lenientAt + 4 * i);
            if (t >= 0 && t < slots.length && !slots[t].ended) {
                slots[t].channel.send(Wire.MESSAGE, from.id, p, msgAt, msgLen, false);
                if (!dirty[t]) {
                    dirty[t] = true;
                    dirtyList[dirtyCount++] = t;
                }
                delivered++;
            }
        }
        if (mode == Wire.MODE_LISTENERS && delivered == 0) {
            undeliverable(from, -1, "a message from agent " + dir.describe(from.id)
                    + " to LISTENERS reached nobody: its listeners had ended");
        }
        return dirtyCount;
    }

    private void undeliverable(Slot to, int about, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        FrameChannel ch = to.channel;
        ch.send(Wire.UNDELIVERABLE, about, r, 0, r.length, false);
        flusher.flushLater(ch);
    }

    /** The messages of a batch ({@code p[at..at+len)}: count, then length and bytes of each) to the handler. */
    private void toSupervisor(Slot from, byte[] p, int at, int len) {
        ByteBuffer b = ByteBuffer.wrap(p, at, len);
        int n = b.getInt();
        for (int i = 0; i < n; i++) {
            int l = b.getInt();
            if (l < 0 || l > b.remaining()) {
                System.err.println("procpool supervisor: a malformed message batch from agent " + dir.describe(from.id));
                return;
            }
            toHandler(from, p, b.position(), l);
            b.position(b.position() + l);
        }
    }

    private void toHandler(Slot from, byte[] p, int at, int len) {
        Object message;
        try {
            message = MessageCodec.decode(p, at, len, loader);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            System.err.println("procpool supervisor: a message from agent " + dir.describe(from.id)
                    + " could not be decoded: " + e);
            return;
        }
        try {
            if (messageHandler != null) {
                messageHandler.onMessage(from.name, from.id, message);
            } else {
                printHandler.print(from.name, from.id, String.valueOf(message));
            }
        } catch (RuntimeException e) {
            System.err.println("procpool supervisor: the message handler threw on a message from agent "
                    + dir.describe(from.id) + ": " + e);
        }
    }

    private void print(Slot from, String text) {
        try {
            printHandler.print(from.name, from.id, text);
        } catch (RuntimeException e) {
            System.err.println("procpool supervisor: the print handler threw for agent " + dir.describe(from.id)
                    + ": " + e);
        }
    }

    /** Sends a control frame (ENDED, TERM) to an agent, written by the flusher: never blocks. */
    void control(Slot to, byte type, long id) {
        FrameChannel ch = to.channel;
        ch.send(type, id, false);
        flusher.flushLater(ch);
    }

    /** A new incarnation is about to start: messages for it wait in a fresh channel. */
    synchronized void prepareRestart(Slot s, int incarnation) {
        FrameChannel old = s.channel;
        s.channel = new FrameChannel();
        s.incarnation = incarnation;
        s.attached = false;
        old.close();
    }

    /** The agent ended for good: later messages for it are undeliverable. */
    void ended(Slot s) {
        s.ended = true;
        s.channel.close();
    }

    /** Forces an incarnation's connection closed (its worker is gone; its reader then ends). */
    void disconnect(Slot s) {
        s.channel.close();
    }

    void close() {
        closed = true;
        closeQuietly(server);
        for (Slot s : slots) {
            s.channel.close();
        }
        for (SocketChannel sc : accepted) {
            closeQuietly(sc);
        }
        flusher.stop();
        try {
            acceptor.join(2000);
            for (Thread t : readers) {
                t.join(2000);
            }
            flusher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

}
