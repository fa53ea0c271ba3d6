package dev.procpool.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The accept loop of procpool's TCP servers (the worker server and the log server): one thread
 * accepts, each connection gets a thread of its own, and the limits below are enforced before a
 * connection gets a thread, so that strangers cannot make a server spend threads and memory
 * without bound.
 *
 * <p>A connection is <em>unauthenticated</em> from its accept until its handler calls
 * {@link Connection#authenticated()}. Three limits apply: all connections, unauthenticated ones,
 * and unauthenticated ones from one peer address (so one host flooding the server cannot keep the
 * others out). A connection over a limit is handed to the refuser, which tells the peer in the
 * server's own protocol (it must not block: it runs on the accepting thread), and is closed.
 */
public final class Acceptor implements AutoCloseable {
    /** The limits; each at least 1. */
    public record Limits(int maxConnections, int maxUnauthenticated, int maxUnauthenticatedPerAddress) {
        public Limits {
            if (maxConnections < 1 || maxUnauthenticated < 1 || maxUnauthenticatedPerAddress < 1) {
                throw new IllegalArgumentException("connection limits must be at least 1: " + maxConnections + ", "
                        + maxUnauthenticated + ", " + maxUnauthenticatedPerAddress);
            }
        }
    }

    /** Serves one connection on its own thread; the socket is closed when it returns. */
    public interface Handler {
        void serve(Connection connection);
    }

    /** Tells a peer over a limit why it is refused; must not block (a short write at most). */
    public interface Refuser {
        void refuse(Socket socket, String reason);
    }

    private final ServerSocket server;
    private final String threadName;
    private final Limits limits;
    private final Handler handler;
    private final Refuser refuser;
    private final Consumer<String> log;
    private final Thread thread;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    // guarded by `this`
    private int unauthenticated;
    // guarded by `this`
    private final Map<InetAddress, Integer> unauthenticatedBy = new HashMap<>();
    private volatile boolean closed;

    /**
     * @param threadName the accepting thread's name; connection threads add {@code -N}
     * @param log receives a line per refusal and when accepting fails
     */
    public Acceptor(ServerSocket server, String threadName, Limits limits, Handler handler, Refuser refuser,
            Consumer<String> log) {
        this.server = server;
        this.threadName = threadName;
        this.limits = limits;
        this.handler = handler;
        this.refuser = refuser;
        this.log = log;
        this.thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
    }

    /** Starts accepting. */
    public Acceptor start() {
        thread.start();
        return this;
    }

    /** Connections refused by a limit so far. */
    public long refused() {
        return refused.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.size();
    }

    /** Unauthenticated connections open now. */
    public synchronized int unauthenticatedConnections() {
        return unauthenticated;
    }

    /** Stops accepting and closes every open connection; their handlers end on their own. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
        for (Connection c : new ArrayList<>(open)) {
            c.closeSocket();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("accepting connections failed, the server stops: " + e);
                }
                return;
            }
            InetAddress address = s.getRemoteSocketAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
            String over = admit(address);
            if (over != null) {
                refused.incrementAndGet();
                log.accept("refused connection from " + s.getRemoteSocketAddress() + ": " + over);
                try {
                    refuser.refuse(s, over);
                } catch (RuntimeException ignored) {
                    // the refusal is best effort; closing is what counts
                }
                closeQuietly(s);
                continue;
            }
            Connection c = new Connection(s, address, accepted.incrementAndGet());
            open.add(c);
            Thread t = new Thread(() -> c.run(), threadName + "-" + c.number);
            t.setDaemon(true);
            c.thread = t;
            try {
                t.start();
            } catch (OutOfMemoryError e) { // no thread to be had: the connection cannot be served
                c.end();
                closeQuietly(s);
            }
        }
    }

    /** Counts a new connection in, or says which limit it is over. */
    private synchronized String admit(InetAddress address) {
        if (open.size() >= limits.maxConnections()) {
            return "too many connections (at most " + limits.maxConnections() + ")";
        }
        if (unauthenticated >= limits.maxUnauthenticated()) {
            return "too many connections still authenticating (at most " + limits.maxUnauthenticated() + ")";
        }
        int mine = unauthenticatedBy.getOrDefault(address, 0);
        if (mine >= limits.maxUnauthenticatedPerAddress()) {
            return "too many connections still authenticating from " + address + " (at most "
                    + limits.maxUnauthenticatedPerAddress() + " per address)";
        }
        unauthenticated++;
        unauthenticatedBy.put(address, mine + 1);
        return null;
    }

    private synchronized void release(InetAddress address) {
        unauthenticated--;
        unauthenticatedBy.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    /** One accepted connection, served on its own thread. */
    public final class Connection {
        private final Socket socket;
        private final InetAddress address;
        private final long number;
        private volatile Thread thread;
        // guarded by Acceptor.this
        private boolean authenticated;
        private boolean ended;

        private Connection(Socket socket, InetAddress address, long number) {
            this.socket = socket;
            this.address = address;
            this.number = number;
        }

        public Socket socket() {
            return socket;
        }

        /** The connection's number on this server, from 1. */
        public long number() {
            return number;
        }

        /** The serving thread. */
        public Thread thread() {
            return thread;
        }

        /** The peer proved itself: it no longer counts against the unauthenticated limits. */
        public void authenticated() {
            synchronized (Acceptor.this) {
                if (!authenticated && !ended) {
                    authenticated = true;
                    release(address);
                }
            }
        }

        private void run() {
            try {
                handler.serve(this);
            } finally {
                end();
                closeQuietly(socket);
            }
        }

        private void end() {
            synchronized (Acceptor.this) {
                if (!ended) {
                    ended = true;
                    if (!authenticated) {
                        release(address);
                    }
                }
            }
            open.remove(this);
        }

        private void closeSocket() {
            closeQuietly(socket);
        }
    }
}
