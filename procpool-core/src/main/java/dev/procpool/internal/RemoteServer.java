package dev.procpool.internal;

import dev.procpool.OutputHandler;
import dev.procpool.PoolStats;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.internal.status.ProcReader;
import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.Handshake;
import dev.procpool.internal.protocol.ProtocolException;
import dev.procpool.internal.protocol.RemoteWire;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.WorkerStatus;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker server (public face: {@code dev.procpool.remote.WorkerServer}). Per connection: send
 * a challenge, check the controller's proof of the token, prove our own, read OPEN, start a worker
 * JVM ({@code ChildMain}, the same as a local process worker) that connects back to a loopback
 * port of ours with a per-worker secret, then relay frames both ways and execute the controller's
 * signals on that process. This server never deserializes anything: it reads frame headers and
 * its own small control payloads only, and before authentication it accepts frames of at most
 * {@link RemoteWire#MAX_UNAUTHENTICATED} bytes.
 *
 * <p>Limits (see {@link Settings}): connections that have not authenticated yet, in all and per
 * peer address, are bounded by the shared {@link Acceptor}; worker processes running at once are
 * bounded too, and an OPEN beyond that is refused with a sentence the controller reports.
 *
 * <p>Threads: {@code procpool-server-accept}; per connection {@code procpool-server-accept-N} (the
 * handshake, then controller -> worker) and {@code procpool-server-relay-N} (worker ->
 * controller, then the exit report); the worker's output pumps. When the controller's connection
 * ends, the worker is killed; when the worker ends, its exit is reported and the connection closed.
 */
public final class RemoteServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteServer.class);
    private static final int HANDSHAKE_TIMEOUT_MS = 10_000;
    private static final int WORKER_START_TIMEOUT_MS = 60_000;

    private final byte[] token;
    private final ServerSocket server;
    private final Settings settings;
    private final boolean tls;
    private final java.util.concurrent.atomic.AtomicInteger workers = new java.util.concurrent.atomic.AtomicInteger();
    private final OutputHandler output;
    private final Consumer<String> log;
    /** Routine events (a worker started): SLF4J's info level unless the caller takes every line. */
    private final Consumer<String> info;
    private final String hostName = BaseWorker.localHostName();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final RemoteContexts contexts = new RemoteContexts();
    private final AtomicLong refused = new AtomicLong();
    /** Worker JVMs started so far. */
    private final AtomicLong started = new AtomicLong();
    /** Worker requests refused for the limit on workers at once. */
    private final AtomicLong refusedWorkers = new AtomicLong();
    /**
     * The last {@link PoolStatus#EXITED_KEPT} workers that ended or were refused, newest first.
     * Guarded by itself; a session leaves {@link #sessions} and enters this under that lock, so
     * that a status shows each worker once.
     */
    private final ArrayDeque<WorkerStatus> exited = new ArrayDeque<>();
    private final Acceptor acceptor;
    private volatile boolean closed;

    /**
     * What a server adds to its workers and how much it takes on.
     *
     * @param classpath entries added to the workers' classpath after the server's own (the user's
     *     classes, so that their tasks run without remote class loading); empty for none
     * @param maxWorkers worker processes running at once; an OPEN beyond is refused
     * @param limits the connection limits (see {@link Acceptor})
     */
    public record Settings(List<String> classpath, int maxWorkers, Acceptor.Limits limits) {
        /** At most this many connections at all: each is a thread, and most are a worker JVM too. */
        public static final int MAX_CONNECTIONS = 1024;
        /**
         * Unauthenticated connections at once: a handshake takes two round trips, so even a
         * controller starting a hundred workers at once has few in flight; each costs a thread and
         * at most 4 KiB for up to the 10 s handshake timeout.
         */
        public static final int MAX_UNAUTHENTICATED = 128;
        /** Per peer address: a single host flooding the server leaves room for the others. */
        public static final int MAX_UNAUTHENTICATED_PER_ADDRESS = 32;

        public Settings {
            classpath = List.copyOf(classpath);
            if (maxWorkers < 1) {
                throw new IllegalArgumentException("maxWorkers must be at least 1: " + maxWorkers);
            }
        }

        /** Worker processes at once unless told otherwise: 8 per CPU, at least 16. */
        public static int defaultMaxWorkers() {
            return Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
        }

        public static Settings defaults() {
            return new Settings(List.of(), defaultMaxWorkers(), defaultLimits());
        }

        public static Acceptor.Limits defaultLimits() {
            return new Acceptor.Limits(MAX_CONNECTIONS, MAX_UNAUTHENTICATED, MAX_UNAUTHENTICATED_PER_ADDRESS);
        }
    }

    /**
     * Binds and starts accepting, with {@link Settings#defaults()}.
     *
     * @param log receives one line per notable event (refused connections above all)
     */
    public RemoteServer(InetSocketAddress listen, byte[] token, SSLContext tls, OutputHandler output,
            Consumer<String> log) throws IOException {
        this(listen, token, tls, output, log, Settings.defaults());
    }

    /** Binds and starts accepting. */
    public RemoteServer(InetSocketAddress listen, byte[] token, SSLContext tls, OutputHandler output,
            Consumer<String> log, Settings settings) throws IOException {
        this.token = token.clone();
        this.settings = settings;
        this.tls = tls != null;
        this.output = output;
        this.log = log != null ? log : LOG::warn;
        this.info = log != null ? log : LOG::info;
        ServerSocket s = tls != null ? tls.getServerSocketFactory().createServerSocket() : new ServerSocket();
        s.setReuseAddress(true);
        s.bind(listen, 50);
        this.server = s;
        this.acceptor = new Acceptor(s, "procpool-server-accept", settings.limits(), this::accepted, this::refuseOver,
                line -> {
                    if (line.startsWith("refused")) {
                        refused.incrementAndGet();
                    }
                    this.log.accept(line);
                }).start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    public String hostName() {
        return hostName;
    }

    /** Connections refused so far (bad token, garbage, oversized frames, timeouts, limits). */
    public long refusedConnections() {
        return refused.get();
    }

    /** Whether the server has been closed. */
    public boolean isClosed() {
        return closed;
    }

    /** Stops accepting, kills every worker it started and closes every connection. */
    @Override
    public void close() {
        closed = true;
        acceptor.close();
        for (Session s : new ArrayList<>(sessions)) {
            s.abort();
        }
        for (Session s : new ArrayList<>(sessions)) {
            s.awaitEnd(5000);
        }
    }

    /** Worker processes running now. */
    public int runningWorkers() {
        return workers.get();
    }

    /** Worker JVMs started so far. */
    public long startedWorkers() {
        return started.get();
    }

    /** Workers refused because the server ran its limit of workers at once. */
    public long refusedWorkers() {
        return refusedWorkers.get();
    }

    /**
     * The worker JVMs this server runs for its controllers, then the last few that ended or were
     * refused (newest first). The server relays frames without decoding them, so it knows no
     * task: task ids, ages and counts are empty or zero, and a worker that runs is shown
     * {@link WorkerStatus.State#BUSY} (serving its controller) once it has connected, whether or
     * not a task is in it. RSS and CPU time come from {@code /proc} of the worker's pid.
     *
     * @param name the status's name (the server's listen address)
     */
    public PoolStatus status(String name) {
        List<Session> live;
        List<WorkerStatus> gone;
        synchronized (exited) {
            live = new ArrayList<>(sessions);
            gone = new ArrayList<>(exited);
        }
        List<WorkerStatus> rows = new ArrayList<>();
        for (Session s : live) {
            Process p = s.process;
            if (p == null || s.ended) {
                continue; // a handshake, a remote context's owner, a command job: no worker JVM (yet)
            }
            ProcReader.Sample sample = ProcReader.read(p.pid());
            WorkerStatus.State state = s.killedBecause != null || s.endedBy != null ? WorkerStatus.State.STOPPING
                    : s.toController == null ? WorkerStatus.State.STARTING : WorkerStatus.State.BUSY;
            rows.add(new WorkerStatus(s.workerName, WorkerType.PROCESS, s.where(), OptionalLong.of(p.pid()), state,
                    OptionalLong.empty(), Optional.empty(), 0, 0,
                    sample.rssBytes() < 0 ? OptionalLong.empty() : OptionalLong.of(sample.rssBytes()),
                    sample.cpuNanos() < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(sample.cpuNanos())),
                    Instant.ofEpochMilli(s.startedMillis), Optional.empty()));
        }
        int running = rows.size();
        long recycled;
        long died;
        synchronized (exited) {
            recycled = cleanExits;
            died = badExits;
        }
        rows.addAll(gone);
        PoolStats totals = new PoolStats(0, 0, 0, 0, 0, 0, 0, 0, started.get(), recycled, died, running);
        return new PoolStatus(name, "worker-server", Instant.now(), 0, totals, rows, List.of(), List.of(0));
    }

    /** Workers that exited with code 0 and those that did not (crashed, killed); guarded by {@link #exited}. */
    private long cleanExits;
    private long badExits;

    private void remember(WorkerStatus row, Boolean clean) {
        // the caller holds the lock on exited
        if (clean != null) {
            if (clean) {
                cleanExits++;
            } else {
                badExits++;
            }
        }
        if (exited.size() == PoolStatus.EXITED_KEPT) {
            exited.pollLast();
        }
        exited.addFirst(row);
    }

    private void accepted(Acceptor.Connection c) {
        Session session = new Session(c);
        sessions.add(session);
        session.run();
    }

    /**
     * Tells a connection over a limit why, in a REFUSE frame: a short write, which does not block
     * on a fresh socket. Over TLS the write would be a handshake first, so the socket is just closed.
     */
    private void refuseOver(Socket s, String reason) {
        if (tls) {
            return;
        }
        try {
            s.setSoLinger(true, 1); // the REFUSE leaves before the close, not overtaken by a reset
            RemoteWire.write(s.getOutputStream(), Frames.REFUSE, 0, reason.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the peer is gone: nobody to tell
        }
    }

    /** One controller connection and the worker process it asked for (or the remote context it opened). */
    private final class Session implements RemoteContexts.Member {
        final Acceptor.Connection connection;
        final Socket socket;
        final long n;
        final String peer;
        volatile Thread connThread;
        boolean countedWorker;
        volatile Process process;
        volatile FrameChannel toWorker;
        volatile FrameChannel toController;
        volatile String workerName = "?";
        volatile boolean ended;
        /** The remote context this session's worker joined, if any. */
        volatile RemoteContexts.Context context;
        /** Why the worker was stopped by the server (its context ended); reported as its exit's problem. */
        volatile String endedBy;
        /** Why the server killed the worker otherwise (its controller went away, the server closed). */
        volatile String killedBecause;
        /** How the worker ended, as its status row tells it; set once its exit is known. */
        volatile String exitReason;

        Session(Acceptor.Connection connection) {
            this.connection = connection;
            this.socket = connection.socket();
            this.n = connection.number();
            this.peer = String.valueOf(socket.getRemoteSocketAddress());
            this.connThread = connection.thread();
        }

        /** The status row's host: this host, and the controller the worker serves. */
        String where() {
            return hostName + " for " + (peer.startsWith("/") ? peer.substring(1) : peer);
        }

        /** The row of this session's worker once it has ended. */
        WorkerStatus exitRow(Process p) {
            String why = exitReason;
            if (why == null) {
                // the session failed before its exit was reported: say what is known
                why = p.isAlive() ? "killed" : "exit code " + p.exitValue();
                String cause = killedBecause != null ? killedBecause : endedBy;
                if (cause != null) {
                    why += ": " + cause;
                }
            }
            return new WorkerStatus(workerName, WorkerType.PROCESS, where(), OptionalLong.of(p.pid()),
                    WorkerStatus.State.EXITED, OptionalLong.empty(), Optional.empty(), 0, 0, OptionalLong.empty(),
                    Optional.empty(), Instant.ofEpochMilli(startedMillis), Optional.of(why));
        }

        void run() {
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                if (!authenticate(in, out)) {
                    return;
                }
                connection.authenticated();
                RemoteWire.Raw open = RemoteWire.read(in, 1 << 20);
                if (open.type() == Frames.R_CONTEXT_OPEN) {
                    serveContext(open, in, out);
                    return;
                }
                if (RemoteCommandJobs.isJob(open.type())) { // a command job (procpool run -S), not a worker JVM
                    socket.setSoTimeout(0);
                    RemoteCommandJobs.serve(socket, open, in, out, log);
                    return;
                }
                if (open.type() != Frames.R_OPEN) {
                    refuse(out, "expected OPEN after authentication, got frame type " + open.type());
                    return;
                }
                socket.setSoTimeout(0);
                serve(open, out);
            } catch (ProtocolException e) {
                refuseQuietly("malformed input: " + e.getMessage());
            } catch (java.net.SocketTimeoutException e) {
                refuseQuietly("no complete handshake within " + HANDSHAKE_TIMEOUT_MS + " ms");
            } catch (javax.net.ssl.SSLException e) {
                refuseQuietly("TLS failed: " + e.getMessage());
            } catch (EOFException | SocketException e) {
                if (process == null && !closed) {
                    info.accept("connection from " + peer + " closed before a worker was started");
                }
            } catch (IOException | RuntimeException e) {
                log.accept("connection from " + peer + " (worker '" + workerName + "') failed: " + e);
            } finally {
                abort();
                RemoteContexts.Context c = context;
                if (c != null) {
                    contexts.leave(c, this);
                }
                if (countedWorker) {
                    workers.decrementAndGet();
                }
                synchronized (exited) {
                    Process p = process;
                    if (p != null) {
                        remember(exitRow(p), exitReason == null ? Boolean.FALSE : exitReason.equals("exit code 0"));
                    }
                    sessions.remove(this);
                    ended = true;
                }
            }
        }

        /**
         * A remote context's owner: open it, then wait for its end (asked for, or the connection
         * lost), and terminate every worker in it.
         */
        private void serveContext(RemoteWire.Raw open, InputStream in, OutputStream out) throws IOException {
            String name = Buf.readString(open.data());
            if (name == null || name.isBlank() || name.length() > 200) {
                refuse(out, "a remote context needs a name of 1 to 200 characters");
                return;
            }
            RemoteContexts.Context c = contexts.open(name);
            socket.setSoTimeout(0);
            socket.setKeepAlive(true);
            info.accept("connection from " + peer + ": opened " + c);
            Buf b = new Buf(128);
            b.writeString(c.id);
            b.writeString(name);
            boolean asked = false;
            try {
                RemoteWire.write(out, Frames.R_CONTEXT, 0, b.toByteArray());
                RemoteWire.Raw f = RemoteWire.read(in, RemoteWire.MAX_UNAUTHENTICATED);
                asked = f.type() == Frames.R_CONTEXT_END;
                if (!asked) {
                    log.accept("connection from " + peer + " sent frame type " + f.type() + " on " + c + "; ending it");
                }
            } catch (IOException e) {
                // the owner is gone: its context goes with it
            }
            String why = asked ? "terminated: its remote context '" + name + "' ended"
                    : "terminated: the controller that owned its remote context '" + name + "' went away";
            int n = contexts.end(c, why, 10_000);
            info.accept((asked ? "ended " : "lost the owner of ") + c + "; workers terminated: " + n);
            if (asked) {
                try {
                    RemoteWire.write(out, Frames.R_CONTEXT_END, n, new byte[0]);
                } catch (IOException e) {
                    // it did not wait for the answer
                }
            }
        }

        @Override
        public java.util.concurrent.CompletableFuture<?> terminate(String why) {
            endedBy = why;
            Process p = process;
            if (p == null) {
                return java.util.concurrent.CompletableFuture.completedFuture(null); // serve() stops it when it starts
            }
            p.toHandle().destroy();
            java.util.concurrent.CompletableFuture.delayedExecutor(RemoteContexts.GRACE_MS, TimeUnit.MILLISECONDS)
                    .execute(() -> {
                        if (p.isAlive()) {
                            p.toHandle().destroyForcibly();
                        }
                    });
            return p.onExit();
        }

        private boolean authenticate(InputStream in, OutputStream out) throws IOException {
            byte[] nonce = RemoteWire.nonce();
            Buf c = new Buf(48);
            c.writeInt(RemoteWire.MAGIC);
            c.writeInt(Frames.VERSION);
            c.write(nonce, 0, nonce.length);
            RemoteWire.write(out, Frames.R_CHALLENGE, 0, c.toByteArray());
            RemoteWire.Raw auth = RemoteWire.read(in, RemoteWire.MAX_UNAUTHENTICATED);
            if (auth.type() != Frames.R_AUTH || auth.payload().length != RemoteWire.NONCE + 32) {
                refuse(out, "malformed input: expected AUTH (" + (RemoteWire.NONCE + 32) + " bytes), got frame type "
                        + auth.type() + " with " + auth.payload().length + " bytes");
                return false;
            }
            byte[] theirNonce = java.util.Arrays.copyOfRange(auth.payload(), 0, RemoteWire.NONCE);
            byte[] proof = java.util.Arrays.copyOfRange(auth.payload(), RemoteWire.NONCE, auth.payload().length);
            if (!RemoteWire.same(proof, RemoteWire.proof(token, "controller", nonce))) {
                refuse(out, "authentication failed (wrong token)");
                return false;
            }
            Buf a = new Buf(128);
            byte[] ours = RemoteWire.proof(token, "server", theirNonce);
            a.write(ours, 0, ours.length);
            a.writeString(hostName);
            RemoteWire.write(out, Frames.R_ACCEPT, 0, a.toByteArray());
            return true;
        }

        private void refuse(OutputStream out, String reason) {
            refused.incrementAndGet();
            log.accept("refused connection from " + peer + ": " + reason);
            try {
                RemoteWire.write(out, Frames.REFUSE, 0, reason.getBytes(StandardCharsets.UTF_8));
                // Closing with unread input makes the kernel send a reset, which can overtake the
                // REFUSE: end our side, then read (a little, briefly) what the peer still sends.
                socket.shutdownOutput();
                socket.setSoTimeout(1000);
                InputStream in = socket.getInputStream();
                byte[] sink = new byte[8192];
                for (int total = 0, n; total < 64 * 1024 && (n = in.read(sink)) > 0; total += n) {
                    // discarded
                }
            } catch (IOException | RuntimeException ignored) {
                // it may have hung up already (and a TLS socket may not half-close)
            }
        }

        private void refuseQuietly(String reason) {
            try {
                refuse(socket.getOutputStream(), reason);
            } catch (IOException e) {
                refused.incrementAndGet();
                log.accept("refused connection from " + peer + ": " + reason);
            }
        }

        /** Starts the worker process, then relays until either side ends. */
        private void serve(RemoteWire.Raw open, OutputStream out) throws IOException {
            DataInputStream d = open.data();
            String name = Buf.readString(d);
            String codec = Buf.readString(d);
            String maxHeap = Buf.readString(d);
            WorkerOptions.Builder b = WorkerOptions.builder().name(name).output(output).classDataSharing(false);
            if (maxHeap != null) {
                b.maxHeap(maxHeap);
            }
            int jvmArgs = d.readInt();
            for (int i = 0; i < jvmArgs; i++) {
                b.jvmArgs(Buf.readString(d));
            }
            int props = d.readInt();
            for (int i = 0; i < props; i++) {
                b.systemProperty(Buf.readString(d), Buf.readString(d));
            }
            String filter = Buf.readString(d);
            boolean remoteClasses = d.readByte() == 1;
            String contextId = d.available() > 0 ? Buf.readString(d) : null; // absent from older controllers
            if (filter != null) {
                java.io.ObjectInputFilter.Config.createFilter(filter); // refuse a malformed one here, not in the child
                b.systemProperty("procpool.serialFilter", filter);
            }
            if (remoteClasses) {
                b.systemProperty("procpool.remoteClasses", "true");
            }
            if (codec == null || !codec.matches("[\\p{javaJavaIdentifierPart}.$]+")) {
                refuse(out, "bad codec class name");
                return;
            }
            if (!settings.classpath().isEmpty()) {
                // the server's own classes first: a user's jar may bundle another procpool
                List<String> cp = new ArrayList<>(List.of(System.getProperty("java.class.path").split(
                        java.io.File.pathSeparator)));
                cp.addAll(settings.classpath());
                b.classpath(cp);
            }
            workerName = name;
            if (workers.incrementAndGet() > settings.maxWorkers()) {
                workers.decrementAndGet();
                refusedWorkers.incrementAndGet();
                synchronized (exited) {
                    remember(new WorkerStatus(name, WorkerType.PROCESS, where(), OptionalLong.empty(),
                            WorkerStatus.State.EXITED, OptionalLong.empty(), Optional.empty(), 0, 0, OptionalLong.empty(),
                            Optional.empty(), Instant.now(), Optional.of("refused: the worker-server ran its limit of "
                                    + settings.maxWorkers() + " workers at once")), null);
                }
                refuse(out, "the worker-server runs its limit of " + settings.maxWorkers()
                        + " workers at once; start worker '" + name + "' when one ends, or raise the limit"
                        + " (procpool worker-server --max-workers, WorkerServerOptions.maxWorkers)");
                return;
            }
            countedWorker = true;
            if (contextId != null) {
                RemoteContexts.Context c = contexts.join(contextId, this);
                if (c == null) {
                    refuse(out, "no open remote context with id " + contextId
                            + " on this server (it ended, or it was opened on another server)");
                    return;
                }
                context = c;
            }
            WorkerOptions options = b.build();
            long workerId = open.id();
            byte[] s = new byte[16];
            new java.security.SecureRandom().nextBytes(s);
            String secret = HexFormat.of().formatHex(s);
            try (ServerSocket local = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                local.setSoTimeout(WORKER_START_TIMEOUT_MS);
                List<String> cmd = new ArrayList<>(LaunchCommand.command(options, name, local.getLocalPort(), workerId,
                        LaunchCommand.classpath(options), List.of()));
                cmd.set(cmd.size() - 1, codec);
                ProcessBuilder pb = new ProcessBuilder(cmd);
                startedMillis = System.currentTimeMillis();
                command = cmd;
                pb.environment().put("PROCPOOL_WORKER_SECRET", secret);
                Process p = pb.start();
                started.incrementAndGet();
                process = p;
                if (endedBy != null) {
                    p.toHandle().destroyForcibly(); // its context ended while it was being started
                }
                p.getOutputStream().close(); // no preload: every frame comes over the connection
                OutputPump stdout = new OutputPump(p.getInputStream(), name, OutputHandler.Source.STDOUT, this::outputLine);
                OutputPump stderr = new OutputPump(p.getErrorStream(), name, OutputHandler.Source.STDERR, this::outputLine);
                stdout.start();
                stderr.start();
                info.accept("connection from " + peer + ": started worker '" + name + "' (pid " + p.pid() + ")");
                Socket child;
                long tid;
                try {
                    p.onExit().thenRun(() -> {
                        try {
                            local.close(); // unblocks accept: the child died before connecting
                        } catch (IOException ignored) {
                            // closing
                        }
                    });
                    child = acceptChild(local, workerId, secret);
                    tid = lastTid;
                } catch (IOException e) {
                    p.toHandle().destroyForcibly();
                    awaitExit(p, 5000);
                    stderr.join(2000);
                    sendExit(out, p, "did not connect to the worker-server (" + e.getMessage() + ")", stderr.tail());
                    return;
                }
                FrameChannel w = new FrameChannel(child);
                toWorker = w;
                FrameChannel c = new FrameChannel(socket);
                Buf st = new Buf(256);
                st.writeLong(p.pid());
                st.writeLong(tid);
                st.writeString(LaunchCommand.toShell(options, cmd));
                synchronized (this) {
                    c.send(Frames.R_STARTED, 0, st.array(), 0, st.size(), true);
                    // lines written before the worker connected follow STARTED, in order
                    for (Object[] line : earlyOutput) {
                        sendLine(c, (OutputHandler.Source) line[0], (String) line[1]);
                    }
                    earlyOutput.clear();
                    toController = c;
                }
                Thread relay = new Thread(() -> relayToController(w, c, p, stdout, stderr),
                        "procpool-server-relay-" + n);
                relay.setDaemon(true);
                relay.start();
                relayToWorker(c, w, p);
                try {
                    relay.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private volatile long lastTid;
        private volatile long startedMillis;
        private volatile List<String> command = List.of();
        /** Output lines from before STARTED went out (guarded by this). */
        private final List<Object[]> earlyOutput = new ArrayList<>();

        /**
         * A line of the worker's output: to the server's own handler, and to the controller, whose
         * {@code WorkerOptions.output} gets it as from a local worker.
         */
        private void outputLine(String worker, OutputHandler.Source source, String line) {
            try {
                output.onLine(worker, source, line);
            } finally {
                synchronized (this) {
                    FrameChannel c = toController;
                    if (c == null) {
                        if (earlyOutput.size() < 1000) {
                            earlyOutput.add(new Object[] {source, line});
                        }
                    } else {
                        sendLine(c, source, line);
                    }
                }
            }
        }

        private void sendLine(FrameChannel c, OutputHandler.Source source, String line) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            c.send(Frames.R_OUTPUT, source == OutputHandler.Source.STDOUT ? 1 : 2, b, 0, b.length, true);
        }

        /** Accepts the worker's connection; strangers without the secret are refused and skipped. */
        private Socket acceptChild(ServerSocket local, long workerId, String secret) throws IOException {
            while (true) {
                Socket sc = local.accept();
                sc.setSoTimeout(WORKER_START_TIMEOUT_MS);
                RemoteWire.Raw hello;
                try {
                    hello = RemoteWire.read(sc.getInputStream(), 1024);
                } catch (IOException e) {
                    sc.close();
                    continue;
                }
                try {
                    lastTid = Handshake.checkWorkerHello(hello.type(), hello.id(), hello.payload(), workerId, secret)
                            .taskThreadId();
                } catch (Handshake.Refused e) {
                    RemoteWire.write(sc.getOutputStream(), Frames.REFUSE, 0, e.getMessage().getBytes(StandardCharsets.UTF_8));
                    sc.close();
                    if (e.versionMismatch() && hello.id() == workerId) {
                        throw new IOException("the worker was refused: " + e.getMessage()
                                + " (the worker-server's classpath holds another procpool than its own)");
                    }
                    continue; // a stranger: the real worker is still awaited
                }
                sc.setSoTimeout(0);
                RemoteWire.write(sc.getOutputStream(), Frames.WELCOME, 0, new byte[0]);
                return sc;
            }
        }

        /** Controller -> worker: every controller frame but our own control ones; signals executed here. */
        private void relayToWorker(FrameChannel from, FrameChannel to, Process p) {
            try {
                while (true) {
                    FrameChannel.Frame f = from.read();
                    if (f.type == Frames.R_SIGNAL) {
                        if (f.id == 9) {
                            p.toHandle().destroyForcibly();
                        } else if (f.id == 15) {
                            p.toHandle().destroy();
                        } else {
                            throw new ProtocolException("bad signal " + f.id);
                        }
                        continue;
                    }
                    if (!Frames.fromController(f.type) || (f.type >= Frames.R_CHALLENGE && f.type <= Frames.R_EXITED)
                            || (f.type >= Frames.R_CONTEXT_OPEN && f.type <= Frames.R_CONTEXT_END)) {
                        throw new ProtocolException("frame type " + f.type + " is not for a worker");
                    }
                    to.send(f.type, f.id, f.payload, 0, f.payload.length, false);
                    if (!from.hasBufferedFrame()) {
                        to.flush();
                    }
                }
            } catch (ProtocolException e) {
                killedBecause = "killed: its controller broke the protocol (" + e.getMessage() + ")";
                log.accept("connection from " + peer + " (worker '" + workerName + "') broke the protocol, worker killed: "
                        + e.getMessage());
            } catch (IOException e) {
                if (!ended && p.isAlive()) {
                    if (killedBecause == null) {
                        killedBecause = closed ? "killed: the worker-server closed" : "killed: lost its controller's connection";
                    }
                    log.accept("lost the connection from " + peer + "; killing worker '" + workerName + "' (pid "
                            + p.pid() + ")");
                }
            }
            // the controller is gone (or broke the protocol): nobody will collect this worker's work
            p.toHandle().destroyForcibly();
            to.close();
        }

        /** Worker -> controller, then the exit report, then the connection is closed. */
        private void relayToController(FrameChannel from, FrameChannel to, Process p, OutputPump stdout,
                OutputPump stderr) {
            String problem = null;
            try {
                while (true) {
                    FrameChannel.Frame f = from.read();
                    if (!Frames.fromWorker(f.type) && f.type != Frames.CLASS_REQUEST) {
                        throw new ProtocolException("unexpected frame type " + f.type + " from the worker");
                    }
                    to.send(f.type, f.id, f.payload, 0, f.payload.length, false);
                    if (!from.hasBufferedFrame()) {
                        to.flush();
                    }
                }
            } catch (ProtocolException e) {
                problem = "broke the control protocol (" + e.getMessage() + ")";
                p.toHandle().destroyForcibly();
            } catch (IOException e) {
                // the worker ended; its exit code tells why
            }
            to.flush();
            if (!awaitExit(p, 2000)) {
                p.toHandle().destroy();
                if (!awaitExit(p, 2000)) {
                    p.toHandle().destroyForcibly();
                    awaitExit(p, 10_000);
                }
            }
            stderr.join(5000);
            stdout.join(5000);
            if (problem == null) {
                // a crashed worker JVM is explained as a local one is: from its banner or crash report
                problem = ProcessEngine.crashSummary(stdout.tail(), stderr.tail());
                if (problem == null && !p.isAlive() && p.exitValue() != 0) {
                    problem = ProcessEngine.crashReport(p.pid(), command, null, startedMillis);
                }
            }
            try {
                sendExit(null, p, problem != null ? problem : endedBy, stderr.tail());
            } catch (IOException ignored) {
                // the controller is gone
            }
            from.close();
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        private void sendExit(OutputStream direct, Process p, String problem, List<String> tail) throws IOException {
            String why = p.isAlive() ? "killed" : "exit code " + p.exitValue();
            String cause = killedBecause != null ? killedBecause : problem;
            exitReason = cause == null ? why : why + ": " + cause;
            Buf b = new Buf(512);
            b.writeInt(p.isAlive() ? Integer.MIN_VALUE : p.exitValue());
            b.writeString(problem);
            b.writeInt(tail.size());
            tail.forEach(b::writeString);
            if (direct != null) {
                RemoteWire.write(direct, Frames.R_EXITED, 0, b.toByteArray());
            } else {
                FrameChannel c = toController;
                c.send(Frames.R_EXITED, 0, b.array(), 0, b.size(), true);
            }
        }

        private boolean awaitExit(Process p, long millis) {
            try {
                return p.waitFor(millis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !p.isAlive();
            }
        }

        /** Kills the worker and closes the connection (server shutdown, or the session failed). */
        void abort() {
            Process p = process;
            if (p != null && p.isAlive()) {
                if (killedBecause == null) {
                    killedBecause = closed ? "killed: the worker-server closed" : "killed: its session failed";
                }
                p.toHandle().destroyForcibly();
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        void awaitEnd(long millis) {
            Thread t = connThread;
            if (t != null) {
                try {
                    t.join(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Process p = process;
            if (p != null) {
                awaitExit(p, millis);
            }
        }
    }
}
