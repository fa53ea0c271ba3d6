package dev.procpool.internal;

import dev.procpool.Codec;
import dev.procpool.OutputHandler;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.Handshake;
import dev.procpool.internal.protocol.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An engine in a child JVM. Start-up: listen on a loopback port of its own, spawn the child (it
 * connects back and proves itself with a per-worker secret from its environment), then one I/O
 * thread reads frames until the channel ends. Sends before the child connects are buffered.
 *
 * <p>Why TCP on loopback and not a Unix socket: the first use of a Unix socket in a JVM
 * initializes a {@code SecureRandom} and scans the classpath for selector providers, which adds
 * 50 ms or more to every child's start; a classic {@code java.net.Socket} on loopback adds almost
 * nothing. Any local user can connect to a loopback port, so the secret decides, and strangers are
 * refused while the real child is still awaited.
 *
 * <p>Threads per process worker: {@code procpool-io-NAME} (accept, read, report exit) and one
 * pump per output stream. The shared {@code procpool-timer} runs heartbeats and the start
 * deadline. The exit is reported once, by the I/O thread, after the process has ended and its
 * stderr was read to the end, so the tail in the error message is complete.
 */
final class ProcessEngine extends ChannelEngine {
    /** Created only where /dev/urandom cannot be read: its set-up costs the first worker ~25 ms. */
    private static volatile SecureRandom fallbackRandom;
    private static final int PRELOAD_MAX = 60 * 1024;

    private final String name;
    private final long workerId;
    private final WorkerOptions options;
    private final String secret;
    private final ServerSocketChannel server;
    private volatile SocketChannel handshaking;
    private final List<String> command;
    /** When the process was started: a crash report older than this is another process's. */
    private final long startedMillis = System.currentTimeMillis();
    private final ClassDataSharing.Plan cds;
    private volatile Process process;
    private OutputPump stdout;
    private OutputPump stderr;
    private volatile long taskThreadId = -1;
    private volatile boolean connected;

    ProcessEngine(String name, long workerId, int incarnation, WorkerOptions options, ClassLoader loader,
            Listener listener) throws WorkerStartException {
        super(options.codec(), loader, listener, new dev.procpool.internal.logs.LogRouter(name, options.logSink()));
        channel.name(name);
        this.name = name;
        this.workerId = workerId;
        this.options = options;
        byte[] s = new byte[16];
        randomBytes(s);
        this.secret = HexFormat.of().formatHex(s);
        int port;
        try {
            this.server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new WorkerStartException("cannot open the control socket for worker '" + name + "': " + e, e);
        }
        String classpath = LaunchCommand.classpath(options, loader);
        this.cds = options.classDataSharing()
                ? ClassDataSharing.plan(options.javaExecutable(), ClassDataSharing.split(classpath),
                        LaunchCommand.vmShapingArgs(options))
                : ClassDataSharing.Plan.NONE;
        this.command = LaunchCommand.command(options, name, port, workerId, classpath, cds.jvmArgs());
    }

    /** Spawns the child and starts the threads that serve it. */
    @Override
    void start() throws WorkerStartException {
        Controller controller = Controller.get();
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(options.environment());
        pb.environment().put("PROCPOOL_WORKER_SECRET", secret);
        options.workingDirectory().ifPresent(d -> pb.directory(d.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            closeServer();
            cds.exited(-1);
            throw new WorkerStartException("cannot start worker '" + name + "': " + e.getMessage()
                    + "; command: " + LaunchCommand.toShell(options, command), e);
        }
        this.process = p;
        controller.register(this);
        stdout = new OutputPump(p.getInputStream(), name, OutputHandler.Source.STDOUT, options.output(), cds.vmNoise());
        stderr = new OutputPump(p.getErrorStream(), name, OutputHandler.Source.STDERR, options.output(), cds.vmNoise());
        stdout.start();
        stderr.start();
        ScheduledFuture<?> startDeadline = controller.timer().schedule(() -> {
            if (!connected) {
                fail("did not connect back within the start timeout of " + options.startTimeout(), null);
                closeServer();
            }
        }, options.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        p.onExit().thenRun(() -> {
            if (!connected) {
                closeServer(); // unblocks accept: the child died before connecting
            }
        });
        Thread io = new Thread(() -> {
            try {
                runIo();
            } finally {
                startDeadline.cancel(false);
            }
        }, "procpool-io-" + name);
        io.setDaemon(true);
        io.start();
    }

    String name() {
        return name;
    }

    /** Unpredictable bytes for a worker's secret, from the kernel's generator. */
    private static void randomBytes(byte[] out) {
        try (java.io.FileInputStream urandom = new java.io.FileInputStream("/dev/urandom")) {
            if (urandom.readNBytes(out, 0, out.length) == out.length) {
                return;
            }
        } catch (IOException e) {
            // not on Linux, or no /dev: the JDK's generator below
        }
        SecureRandom r = fallbackRandom;
        if (r == null) {
            r = new SecureRandom();
            fallbackRandom = r;
        }
        r.nextBytes(out);
    }

    /**
     * Writes what was sent before the child connected to its stdin, and closes it: the child reads
     * its first task while it connects. A pipe takes 64 KiB without blocking; a bigger first batch
     * waits for the connection instead.
     */
    @Override
    void initialized() {
        byte[] preload = channel.takeUnattached(PRELOAD_MAX);
        try (var stdin = process.getOutputStream()) {
            if (preload != null) {
                stdin.write(preload);
            }
        } catch (IOException e) {
            // the child is gone already; the I/O thread reports how
        }
    }

    /** Encodes a task, function or argument once, on the caller's thread. */
    static Object prepare(Codec codec, String what, Object input) {
        Buf buf = new Buf(1024);
        Codecs.check(codec, what, input, buf);
        return buf;
    }

    @Override
    void signalTerm() {
        Process p = process;
        if (p != null) {
            p.toHandle().destroy(); // not Process.destroy(): that would close our ends of its pipes
        }
    }


    @Override
    void kill() {
        Process p = process;
        if (p != null) {
            p.toHandle().destroyForcibly();
        }
    }

    /** Closes the channel: the child sees EOF and halts (used at JVM shutdown). */
    void closeChannel() {
        closeServer();
        channel.close();
    }

    boolean awaitProcessExit(long nanos) {
        try {
            return process.waitFor(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    @Override
    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    @Override
    OptionalLong threadId() {
        long t = taskThreadId;
        return t < 0 ? OptionalLong.empty() : OptionalLong.of(t);
    }

    @Override
    boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    @Override
    Optional<String> launchCommand() {
        return Optional.of(LaunchCommand.toShell(options, command));
    }

    /** Stops waiting for the child: closes the listening socket and a connection mid-handshake. */
    private void closeServer() {
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        SocketChannel h = handshaking;
        if (h != null && !connected) {
            try {
                h.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    private void runIo() {
        try {
            try {
                // Any local process can connect to a loopback port: a connection that does not
                // prove itself with the secret is refused, and the real child is waited for.
                while (true) {
                    SocketChannel sc = server.accept();
                    handshaking = sc;
                    if (handshake(sc)) {
                        break;
                    }
                }
            } catch (IOException e) {
                if (problem == null && !process.isAlive()) {
                    fail("exited before connecting to the controller", null);
                } else {
                    fail(problem == null ? "could not connect to the controller" : problem, e);
                }
                throw e;
            } finally {
                closeServer();
            }
            startHeartbeat(options.heartbeatInterval(), options.heartbeatTimeout());
            listener.ready(this);
            readFrames();
        } catch (ProtocolException e) {
            fail("broke the control protocol (" + e.getMessage() + ")", e);
            kill();
        } catch (EOFException e) {
            // the child ended; its exit code tells why
        } catch (IOException | RuntimeException e) {
            if (problem == null && !Controller.get().isShuttingDown() && process.isAlive()) {
                fail("lost its control channel (" + e + ")", e);
            }
        } finally {
            stopHeartbeat();
            channel.close();
        }
        finish(bye);
    }

    @Override
    String peer() {
        return "the worker";
    }

    /** Checks a connection's HELLO; attaches it and returns true if it is our child's. */
    private boolean handshake(SocketChannel sc) throws IOException {
        FrameChannel hello = new FrameChannel(sc);
        FrameChannel.Frame f;
        try {
            f = hello.read();
        } catch (IOException e) {
            if (!server.isOpen()) {
                throw e; // the start deadline passed or the child died
            }
            sc.close(); // a stranger that hung up or sent garbage: wait for the real child
            return false;
        }
        String refusal = null;
        boolean versionMismatch = false;
        try {
            taskThreadId = Handshake.checkWorkerHello(f.type, f.id, f.payload, workerId, secret).taskThreadId();
        } catch (Handshake.Refused e) {
            refusal = e.getMessage();
            versionMismatch = e.versionMismatch();
        }
        if (refusal != null) {
            byte[] reason = refusal.getBytes(StandardCharsets.UTF_8);
            try {
                writeDirect(sc, Frames.REFUSE, reason);
            } finally {
                sc.close();
            }
            if (f.id == workerId && versionMismatch) {
                fail("refused at the handshake: " + refusal, null);
                throw new ProtocolException(refusal);
            }
            return false;
        }
        // WELCOME goes straight to the socket so it precedes everything buffered before the connect.
        writeDirect(sc, Frames.WELCOME, new byte[0]);
        connected = true;
        channel.attach(sc); // the child sends nothing between HELLO and WELCOME, so nothing was over-read
        return true;
    }

    private static void writeDirect(SocketChannel sc, byte type, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Frames.HEADER + payload.length);
        b.putInt(9 + payload.length).put(type).putLong(0).put(payload).flip();
        while (b.hasRemaining()) {
            sc.write(b);
        }
    }

    /**
     * The JVM's fatal error banner, summed up in a sentence, or null. The banner goes to stdout,
     * so without this the reason for a crash would be invisible in the error.
     */
    static String crashSummary(List<String> stdoutTail, List<String> stderrTail) {
        for (List<String> tail : List.of(stdoutTail, stderrTail)) {
            if (tail.stream().noneMatch(l -> l.contains("A fatal error has been detected by the Java Runtime Environment"))) {
                continue;
            }
            String what = tail.stream().filter(l -> l.matches("#\\s+(SIG|EXCEPTION_|Internal Error|Out of Memory).*"))
                    .map(l -> l.substring(1).trim()).findFirst().orElse("a fatal error");
            String report = tail.stream().filter(l -> l.matches("#\\s*/.*hs_err.*")).map(l -> l.substring(1).trim())
                    .findFirst().map(r -> "; its crash report is " + r).orElse("");
            return "the JVM crashed (" + what + ")" + report;
        }
        return null;
    }

    /**
     * The same sentence from the JVM's crash report file, for when the banner never reached a pipe
     * (seen on a loaded machine with a JVM that crashed before it connected: the report was written,
     * the banner was not): {@code -XX:ErrorFile} if the command sets it, else
     * {@code hs_err_pid<pid>.log} in the working directory or the temporary directory, written
     * since the worker started.
     */
    static String crashReport(long pid, List<String> command, java.nio.file.Path workingDirectory, long sinceMillis) {
        List<java.nio.file.Path> candidates = new java.util.ArrayList<>();
        String name = "hs_err_pid" + pid + ".log";
        for (String arg : command) {
            if (arg.startsWith("-XX:ErrorFile=")) {
                String file = arg.substring("-XX:ErrorFile=".length()).replace("%p", Long.toString(pid))
                        .replace("%%", "%");
                java.nio.file.Path p = java.nio.file.Path.of(file);
                candidates.add(p.isAbsolute() || workingDirectory == null ? p : workingDirectory.resolve(p));
            }
        }
        candidates.add(workingDirectory == null ? java.nio.file.Path.of(name) : workingDirectory.resolve(name));
        candidates.add(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), name));
        for (java.nio.file.Path p : candidates) {
            try {
                if (!java.nio.file.Files.isRegularFile(p)
                        || java.nio.file.Files.getLastModifiedTime(p).toMillis() < sinceMillis - 1000) {
                    continue;
                }
                List<String> head;
                try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(p, StandardCharsets.UTF_8)) {
                    head = lines.limit(40).toList();
                }
                String summary = crashSummary(head, List.of());
                if (summary != null) {
                    return summary.contains("its crash report is") ? summary
                            : summary + "; its crash report is " + p.toAbsolutePath();
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // unreadable: no better explanation than the exit code
            }
        }
        return null;
    }

    @Override
    void unresponsive(java.time.Duration timeout) {
        fail(ExitInfo.UNRESPONSIVE + "sent nothing for " + timeout
                + " (stopped, hung in the JVM, or starved); killed by procpool", null);
        kill();
    }

    /** Waits for the process to end (escalating if it lingers), drains stderr, reports the exit. */
    private void finish(boolean bye) {
        long grace = Math.max(options.grace().toNanos(), TimeUnit.MILLISECONDS.toNanos(200));
        if (!awaitProcessExit(bye ? grace : TimeUnit.SECONDS.toNanos(2))) {
            if (!bye) {
                fail("closed its control channel but did not exit; killed by procpool", null);
            }
            signalTerm();
            if (!awaitProcessExit(grace)) {
                kill();
                awaitProcessExit(TimeUnit.SECONDS.toNanos(30));
            }
        }
        // the process has exited, so both pipes are at their end unless a grandchild holds them;
        // a loaded machine may take a while to run the pumps, and their tails explain deaths
        stderr.join(5000);
        stdout.join(5000);
        Controller.get().unregister(this);
        OptionalInt code = process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
        cds.exited(code.orElse(-1));
        String signal = code.isPresent() ? Signals.fromExitCode(code.getAsInt()) : null;
        boolean clean = bye && code.isPresent() && code.getAsInt() == 0 && problem == null;
        String crash = crashSummary(stdout.tail(), stderr.tail());
        if (crash == null && code.isPresent() && code.getAsInt() != 0) {
            crash = crashReport(process.pid(), command, options.workingDirectory().orElse(null), startedMillis);
        }
        if (crash != null) {
            // the crash explains what was seen before it, such as a worker that never connected
            problem = crash;
            problemCause = null;
        }
        listener.exited(this, new ExitInfo(clean, code, signal, stderr.tail(), problem, problemCause, false));
    }
}
