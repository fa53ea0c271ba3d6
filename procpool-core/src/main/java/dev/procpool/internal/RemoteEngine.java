package dev.procpool.internal;

import dev.procpool.Codec;
import dev.procpool.JdkCodec;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.ProtocolException;
import dev.procpool.internal.protocol.RemoteWire;
import dev.procpool.remote.RemoteOptions;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An engine whose worker process runs on a {@code procpool worker-server}. {@link #start()}
 * connects, authenticates (see {@link RemoteWire}), asks the server to start the worker JVM and
 * waits until it runs, so the pid (the real one, on the server's host) is known at once. From then
 * on the worker frames of docs/protocol.md travel over this connection, relayed by the server, and
 * the server executes the signals this engine asks for on the worker process.
 *
 * <p>Values from the other side are decoded with a {@link JdkCodec} that applies the options'
 * allow-list ({@link RemoteOptions#filterPattern()}); a custom codec must do its own filtering.
 *
 * <p>Threads: {@code procpool-io-NAME} reads frames and reports the exit; heartbeats run on the
 * shared {@code procpool-timer}. A lost connection (the server died, or the network) ends the
 * engine as a death with "lost the connection to worker-server ..."; the server kills the worker
 * process when it loses the connection, so nothing keeps running unobserved.
 */
final class RemoteEngine extends ChannelEngine {
    private final String name;
    private final long workerId;
    private final WorkerOptions options;
    private final RemoteOptions remote;
    private final String where;
    private volatile Socket socket;
    private volatile long pid = -1;
    private volatile long taskThreadId = -1;
    private volatile String host = "?";
    private volatile String command;
    private volatile boolean exited;
    /** The server reported the worker's exit (R_EXITED); written by the I/O thread only. */
    private boolean exitReported;
    // set from R_EXITED by the I/O thread
    private OptionalInt exitCode = OptionalInt.empty();
    private List<String> stderrTail = List.of();

    RemoteEngine(String name, long workerId, WorkerOptions options, ClassLoader loader, Listener listener) {
        // the remote worker's SLF4J events are relayed by the server like any frame from the worker
        super(filtered(options.codec(), remoteOf(options)), loader, listener,
                new dev.procpool.internal.logs.LogRouter(name, options.logSink()));
        channel.name(name);
        this.name = name;
        this.workerId = workerId;
        this.options = options;
        this.remote = remoteOf(options);
        this.where = "worker-server " + remote.host() + ":" + remote.port();
    }

    private static RemoteOptions remoteOf(WorkerOptions options) {
        return options.remote().orElseThrow(() -> new IllegalArgumentException(
                "a REMOTE worker needs WorkerOptions.builder().remote(RemoteOptions...)"));
    }

    /** Values from another host are decoded only through the allow-list (the default codec's case). */
    private static Codec filtered(Codec c, RemoteOptions remote) {
        return c.getClass() == JdkCodec.class ? new JdkCodec(AllowList.naming(remote.filterPattern())) : c;
    }

    @Override
    String explainUndecodable(String why) {
        if (!why.contains("REJECTED") && !why.contains("rejected")) {
            return why;
        }
        // runs on the thread that decoded, so the naming filter's record of the refused class is here
        String named = AllowList.explain(null, "this controller", "RemoteOptions.builder(...).allowClasses(\"%s\")",
                remote.filterPattern());
        AllowList.clear();
        return named != null ? named : why + " (not on the allow-list " + remote.filterPattern()
                + "; add it with RemoteOptions.builder(...).allowClasses(...))";
    }

    @Override
    void start() throws WorkerStartException {
        Socket s = null;
        try {
            int timeout = (int) Math.min(Integer.MAX_VALUE, Math.max(1, options.startTimeout().toMillis()));
            RemoteLink link = RemoteLink.connect(remote.host(), remote.port(), remote.sslContext().orElse(null),
                    remote.token().bytes(), timeout);
            s = link.socket();
            socket = s;
            host = link.host();
            open(s.getInputStream(), s.getOutputStream());
            s.setSoTimeout(0);
            channel.attach(s);
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            String why = e instanceof java.net.SocketTimeoutException
                    ? "no answer within the start timeout of " + options.startTimeout() : e.getMessage();
            throw new WorkerStartException("cannot start remote worker '" + name + "' on " + where + ": " + why, e);
        }
        Thread io = new Thread(this::runIo, "procpool-io-" + name);
        io.setDaemon(true);
        io.start();
    }

    /** Asks the authenticated server for the worker process, and reads how its start went. */
    private void open(InputStream in, OutputStream out) throws IOException {
        RemoteWire.write(out, Frames.R_OPEN, workerId, openPayload());
        RemoteWire.Raw started = RemoteWire.read(in, 1 << 20);
        RemoteLink.refused(started);
        if (started.type() == Frames.R_EXITED) {
            decodeExit(started);
            throw new IOException("the worker process did not start: " + (problem != null ? problem : "")
                    + (stderrTail.isEmpty() ? "" : "; stderr: " + String.join(" | ", stderrTail)));
        }
        if (started.type() != Frames.R_STARTED) {
            throw new ProtocolException("expected STARTED, got frame type " + started.type());
        }
        DataInputStream st = started.data();
        pid = st.readLong();
        taskThreadId = st.readLong();
        command = Buf.readString(st);
    }


    private byte[] openPayload() {
        Buf b = new Buf(256);
        b.writeString(name);
        b.writeString(options.codec().getClass().getName());
        b.writeString(options.maxHeap().orElse(null));
        b.writeInt(options.jvmArgs().size());
        options.jvmArgs().forEach(b::writeString);
        b.writeInt(options.systemProperties().size());
        for (Map.Entry<String, String> p : options.systemProperties().entrySet()) {
            b.writeString(p.getKey());
            b.writeString(p.getValue());
        }
        b.writeString(remote.filterPattern());
        b.write(remote.remoteClassLoading() ? 1 : 0);
        b.writeString(options.remoteContext().orElse(null));
        return b.toByteArray();
    }

    private void decodeExit(RemoteWire.Raw f) throws IOException {
        DataInputStream d = f.data();
        int code = d.readInt();
        exitCode = code == Integer.MIN_VALUE ? OptionalInt.empty() : OptionalInt.of(code);
        String p = Buf.readString(d);
        if (p != null) {
            fail(p, null);
        }
        int n = d.readInt();
        List<String> tail = new ArrayList<>();
        for (int i = 0; i < n && i < 1000; i++) {
            tail.add(Buf.readString(d));
        }
        stderrTail = List.copyOf(tail);
    }

    @Override
    void otherFrame(FrameChannel.Frame f) throws IOException {
        switch (f.type) {
            case Frames.CLASS_REQUEST -> sendClass(f.id, new String(f.payload, StandardCharsets.UTF_8));
            case Frames.R_OUTPUT -> output(f.id == 1 ? dev.procpool.OutputHandler.Source.STDOUT
                    : dev.procpool.OutputHandler.Source.STDERR, new String(f.payload, StandardCharsets.UTF_8));
            case Frames.R_EXITED -> {
                decodeExit(new RemoteWire.Raw(f.type, f.id, f.payload));
                exitReported = true;
            }
            default -> super.otherFrame(f);
        }
    }

    @Override
    String peer() {
        return where;
    }

    private void runIo() {
        try {
            startHeartbeat(options.heartbeatInterval(), options.heartbeatTimeout());
            listener.ready(this);
            readFrames();
        } catch (EOFException e) {
            if (!exitReported) {
                fail("lost the connection to " + where + " (closed)", e);
            }
        } catch (ProtocolException e) {
            fail("broke the control protocol (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            if (!exitReported) {
                fail("lost the connection to " + where + " (" + e + ")", e);
            }
        } finally {
            stopHeartbeat();
            channel.close();
            closeQuietly(socket);
        }
        exited = true;
        String signal = exitCode.isPresent() ? Signals.fromExitCode(exitCode.getAsInt()) : null;
        boolean clean = bye && exitCode.isPresent() && exitCode.getAsInt() == 0 && problem == null;
        listener.exited(this, new ExitInfo(clean, exitCode, signal, stderrTail, problem, problemCause, false));
    }

    /** A line the remote worker wrote, handled as a local worker's would be. */
    private void output(dev.procpool.OutputHandler.Source source, String line) {
        try {
            options.output().onLine(name, source, line);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(RemoteEngine.class)
                    .warn("output handler threw on a line from worker {}; the line is dropped", name, e);
        }
    }

    /**
     * Remote class loading: answers a worker's request with the class file as this controller's
     * class loader has it (empty when it has none). Only {@code .class} resources are served.
     */
    private void sendClass(long requestId, String className) {
        byte[] bytes = new byte[0];
        if (className.matches("[\\p{javaJavaIdentifierPart}.$]+")) {
            String resource = className.replace('.', '/') + ".class";
            ClassLoader cl = loader != null ? loader : ClassLoader.getSystemClassLoader();
            try (InputStream in = cl.getResourceAsStream(resource)) {
                if (in != null) {
                    bytes = in.readAllBytes();
                }
            } catch (IOException e) {
                bytes = new byte[0];
            }
        }
        channel.send(Frames.CLASS_BYTES, requestId, bytes, 0, bytes.length, true);
    }

    @Override
    void unresponsive(java.time.Duration timeout) {
        fail(ExitInfo.UNRESPONSIVE + "sent nothing for " + timeout + " (the worker or " + where
                + " stopped, hung, or the network is down); connection closed by procpool", null);
        channel.trySend(Frames.R_SIGNAL, 9);
        closeQuietly(socket); // the server kills the worker when it sees the connection go
    }

    @Override
    void signalTerm() {
        channel.send(Frames.R_SIGNAL, 15, false);
        channel.flushAsync();
    }

    @Override
    void kill() {
        channel.send(Frames.R_SIGNAL, 9, false);
        channel.flushAsync();
        if (channel.isBroken()) {
            closeQuietly(socket);
        }
    }

    @Override
    long pid() {
        return pid;
    }

    @Override
    OptionalLong threadId() {
        long t = taskThreadId;
        return t < 0 ? OptionalLong.empty() : OptionalLong.of(t);
    }

    @Override
    boolean isAlive() {
        return pid >= 0 && !exited;
    }

    @Override
    String host() {
        return host;
    }

    @Override
    Optional<String> launchCommand() {
        return Optional.ofNullable(command).map(c -> "# on " + host + " (" + where + ")\n" + c);
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }
    }
}
