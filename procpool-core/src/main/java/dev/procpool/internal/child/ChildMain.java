package dev.procpool.internal.child;

import dev.procpool.Codec;
import dev.procpool.JdkCodec;
import dev.procpool.Task;
import dev.procpool.TaskFunction;
import dev.procpool.TaskNotSerializableException;
import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.Failures;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * The child side of a process worker: connects back to the controller, runs calls one at a time
 * on its task thread, and exits when told to or when the controller goes away.
 *
 * <p>Kept lean on purpose (no logging framework, no lambdas, few classes) because its class
 * loading is part of every worker's start-up time.
 *
 * <p>Threads: {@code main} reads the frames preloaded on stdin, then the connection (and so
 * always answers heartbeats and cancels, even while a task spins); {@code procpool-connect}
 * connects and does the handshake meanwhile, so the first task is decoded and run while the
 * JVM's first socket is set up; {@code procpool-task} runs calls and appends their responses,
 * writing them itself when no other call is queued; {@code procpool-writer} writes them
 * otherwise, so a burst of results leaves in few writes without any result waiting for the next
 * call. Responses wait in the buffer until the handshake is done.
 *
 * <p>Exit codes: 0 after END_INPUT or STOP; 2 when the controller refused the handshake or could
 * not be reached; 97 when the channel to the controller was lost (the controller died), after
 * killing every descendant process.
 */
public final class ChildMain {
    static final int EXIT_REFUSED = 2;
    static final int EXIT_ORPHANED = 97;

    private static final Object END = new Object();

    private static volatile FrameChannel channel;
    /** Set once SLF4J events are shipped ({@link ChildLogs}): moves pending events ahead of a response. */
    static volatile Runnable beforeResponse;

    /** Set in a remote worker: loads what the server lacks from the controller. */
    private static volatile RemoteClassLoader remoteClasses;
    /** The controller's allow-list, in a remote worker; null in a local one. */
    private static volatile String serialFilter;

    private final FrameChannel ch;
    private final Codec codec;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private final Set<Long> cancelled = new HashSet<>();
    private final Thread taskThread;
    private final Thread writer;
    private final Semaphore flushRequests = new Semaphore(0);
    private final java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
    private long current = -1;
    private volatile boolean stopping;
    private volatile boolean exiting;

    private ChildMain(FrameChannel ch, Codec codec) {
        this.ch = ch;
        this.codec = codec;
        this.taskThread = new Thread(new Runnable() {
            @Override
            public void run() {
                runTasks();
            }
        }, "procpool-task");
        taskThread.setDaemon(true);
        this.writer = new Thread(new Runnable() {
            @Override
            public void run() {
                writeLoop();
            }
        }, "procpool-writer");
        writer.setDaemon(true);
    }

    /**
     * Flushes results while the task thread goes on with the next call: a burst of quick calls
     * leaves in few writes, and a finished result never waits for the next call to end.
     */
    private void writeLoop() {
        while (true) {
            flushRequests.acquireUninterruptibly();
            flushRequests.drainPermits();
            ch.flush();
        }
    }

    /** Writes now if nothing else is queued (latency), else lets the writer thread do it (throughput). */
    private void flushSoon() {
        if (queue.isEmpty()) {
            ch.flush();
        } else if (flushRequests.availablePermits() == 0) {
            flushRequests.release();
        }
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("procpool worker: usage: ChildMain <controller-port> <worker-id> <codec-class>; "
                    + "started by procpool, not by hand");
            System.exit(EXIT_REFUSED);
        }
        // stdin carries the preloaded frames; user code reading System.in sees an empty stream
        FileInputStream preload = new FileInputStream(FileDescriptor.in);
        System.setIn(new ByteArrayInputStream(new byte[0]));
        ignoreSigint();
        Codec codec;
        try {
            // a remote worker decodes through its controller's allow-list (see RemoteOptions)
            String filter = System.getProperty("procpool.serialFilter");
            serialFilter = filter;
            codec = args[2].equals(JdkCodec.class.getName())
                    ? (filter == null ? new JdkCodec() : new JdkCodec(dev.procpool.internal.AllowList.naming(filter)))
                    : (Codec) Class.forName(args[2]).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            System.err.println("procpool worker: cannot create codec " + args[2] + ": " + e);
            System.exit(EXIT_REFUSED);
            return;
        }
        FrameChannel ch = new FrameChannel();
        channel = ch;
        if (Boolean.getBoolean("procpool.remoteClasses")) {
            remoteClasses = new RemoteClassLoader(ClassLoader.getSystemClassLoader(), ch);
        }
        ChildMain child = new ChildMain(ch, codec);
        if (remoteClasses != null) {
            child.taskThread.setContextClassLoader(remoteClasses); // for tasks that look classes up by name
        }
        child.taskThread.start();
        child.writer.start();
        child.connectInBackground(Integer.parseInt(args[0]), Long.parseLong(args[1]),
                System.getenv("PROCPOOL_WORKER_SECRET"));
        final ChildMain exiting = child;
        // A task that calls System.exit must not take the results already computed with it; and
        // the reader must let go of the socket for the JVM to exit quickly (see shutdownInput).
        Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
            @Override
            public void run() {
                exiting.exiting = true;
                drainLogs();
                exiting.ch.flush();
                exiting.ch.shutdownInput();
            }
        }, "procpool-exit"));
        // Work can start before the connection is up: the frames queued before it come on stdin.
        try {
            FrameChannel stdin = FrameChannel.reading(preload);
            while (true) {
                child.dispatch(stdin.read());
            }
        } catch (java.io.EOFException e) {
            // all preloaded frames read: the rest comes over the connection
        } catch (IOException | RuntimeException e) {
            System.err.println("procpool worker: bad preloaded input: " + e);
            System.exit(EXIT_REFUSED);
        }
        child.readLoop();
    }

    /** The channel to the controller, or null when this JVM is not a worker. */
    static FrameChannel channel() {
        return channel;
    }

    private static void drainLogs() {
        Runnable r = beforeResponse;
        if (r != null) {
            r.run();
        }
    }

    /**
     * Connects to the controller on another thread, so that the first task is read from stdin and
     * decoded while the (comparatively slow, ~15 ms) first socket of the JVM is set up.
     */
    private void connectInBackground(final int port, final long workerId, final String secret) {
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    ch.connectQuietly(new Socket(InetAddress.getLoopbackAddress(), port));
                    Buf hello = new Buf(64);
                    hello.writeInt(Frames.MAGIC);
                    hello.writeInt(Frames.VERSION);
                    hello.writeLong(ProcessHandle.current().pid());
                    hello.writeLong(taskThread.getId());
                    hello.writeString(secret == null ? "" : secret);
                    ch.writeFirst(Frames.HELLO, workerId, hello.array(), 0, hello.size());
                    FrameChannel.Frame first = ch.read();
                    if (first.type == Frames.REFUSE) {
                        System.err.println("procpool worker: refused by the controller: "
                                + new String(first.payload, StandardCharsets.UTF_8));
                        System.exit(EXIT_REFUSED);
                    }
                    if (first.type != Frames.WELCOME) {
                        throw new IOException("expected WELCOME, got frame type " + first.type);
                    }
                    ch.startWriting();
                } catch (IOException | RuntimeException e) {
                    System.err.println("procpool worker: cannot reach the controller at port " + port + ": " + e);
                    System.exit(EXIT_REFUSED);
                }
                connected.countDown();
            }
        }, "procpool-connect");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Ctrl-C on a terminal signals the whole foreground process group; the controller decides
     * what happens to its workers, so the child leaves SIGINT to it.
     */
    private static void ignoreSigint() {
        try {
            dev.procpool.internal.OsSignals.ignore("INT");
        } catch (IllegalArgumentException e) {
            // not on this platform: the child then stops with the controller on Ctrl-C, also fine
        }
    }

    /** Reads the connection after the handshake, until the controller goes away. */
    private void readLoop() {
        try {
            connected.await();
            while (true) {
                dispatch(ch.read());
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (!exiting) {
                orphaned(e);
            }
        }
    }

    private void dispatch(FrameChannel.Frame f) throws IOException {
        switch (f.type) {
            case Frames.INIT_STATE:
            case Frames.BIND:
            case Frames.CALL:
                queue.add(f);
                break;
            case Frames.CANCEL:
                cancel(f.id, true);
                break;
            case Frames.RECALL:
                cancel(f.id, false);
                break;
            case Frames.PING:
                // never blocks the reader behind a write held up by a log flood (see ChildLogs);
                // if another thread is writing, the PONG leaves with its next write
                ch.trySend(Frames.PONG, f.id);
                break;
            case Frames.CLASS_BYTES:
                if (remoteClasses == null) {
                    throw new IOException("class bytes sent to a worker that did not ask");
                }
                remoteClasses.deliver(f.id, f.payload);
                break;
            case Frames.END_INPUT:
                queue.add(END);
                break;
            case Frames.STOP:
                stopping = true;
                synchronized (lock) {
                    if (current >= 0) {
                        taskThread.interrupt();
                    }
                }
                queue.add(END);
                break;
            default:
                throw new IOException("unexpected frame type " + f.type);
        }
    }

    /** The controller is gone: nobody will collect results, so stop everything this process started. */
    private static void orphaned(Exception why) {
        Iterator<ProcessHandle> it = ProcessHandle.current().descendants().iterator();
        java.util.List<ProcessHandle> all = new java.util.ArrayList<>();
        while (it.hasNext()) {
            all.add(it.next());
        }
        for (ProcessHandle p : all) {
            p.destroyForcibly();
        }
        Runtime.getRuntime().halt(EXIT_ORPHANED);
    }

    /**
     * CANCEL ({@code interruptIfRunning}): interrupts the call if it runs; answers it at once if it
     * still waits in the queue (so the controller can give it to another worker, knowing it will
     * never run here); otherwise (taken by the task thread but not yet started) marks it, and the
     * task thread answers it. RECALL: only the queued case; a call that has left the queue runs
     * and is answered as usual.
     */
    private void cancel(long id, boolean interruptIfRunning) {
        boolean removed = false;
        synchronized (lock) {
            if (current == id) {
                if (interruptIfRunning) {
                    taskThread.interrupt();
                }
                return;
            }
            for (Iterator<Object> it = queue.iterator(); it.hasNext(); ) {
                Object o = it.next();
                if (o instanceof FrameChannel.Frame f && f.type == Frames.CALL && f.id == id) {
                    it.remove();
                    removed = true;
                    break;
                }
            }
            if (!removed && interruptIfRunning) {
                cancelled.add(id); // taken by the task thread, not started: it answers it
            }
        }
        if (removed) {
            respondError(Frames.ERR_CANCELLED, id, new java.util.concurrent.CancellationException("cancelled before it ran"));
        }
    }

    private void runTasks() {
        TaskFunction<Object, Object> function = null;
        Throwable bindFailure = null;
        Throwable stateFailure = null;
        dev.procpool.internal.CurrentWorker.StateBox state = dev.procpool.internal.CurrentWorker.processState();
        long calls = 0;
        Buf result = new Buf(256);
        Buf stateBuf = new Buf(256);
        while (true) {
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                continue; // a late interrupt for a finished call; nothing to cancel
            }
            if (item == END) {
                break;
            }
            FrameChannel.Frame f = (FrameChannel.Frame) item;
            if (f.type == Frames.INIT_STATE) {
                try {
                    state.reset(decode(f.payload), true);
                } catch (Throwable e) {
                    stateFailure = e;
                }
                continue;
            }
            if (f.type == Frames.BIND) {
                try {
                    @SuppressWarnings("unchecked")
                    TaskFunction<Object, Object> fn = (TaskFunction<Object, Object>) decode(f.payload);
                    function = fn;
                } catch (Throwable e) {
                    bindFailure = e;
                }
                continue;
            }
            boolean skip;
            synchronized (lock) {
                skip = stopping || cancelled.remove(f.id);
                if (!skip) {
                    current = f.id;
                }
            }
            if (skip) {
                respondError(Frames.ERR_CANCELLED, f.id, new java.util.concurrent.CancellationException(
                        stopping ? "the worker was stopped before this call ran" : "cancelled before it ran"));
                continue;
            }
            calls++;
            Object value;
            byte errKind = Frames.ERR_THREW;
            Throwable error = null;
            try {
                Object input;
                try {
                    input = decode(f.payload);
                } catch (Throwable e) {
                    errKind = Frames.ERR_BAD_INPUT;
                    throw e;
                }
                if (bindFailure != null) {
                    errKind = Frames.ERR_BAD_INPUT;
                    throw new IllegalStateException("the worker's function could not be loaded: " + bindFailure,
                            bindFailure);
                }
                if (stateFailure != null) {
                    errKind = Frames.ERR_BAD_INPUT;
                    throw new IllegalStateException("the worker's initial state could not be decoded: " + stateFailure,
                            stateFailure);
                }
                if (function != null) {
                    value = function.apply(input);
                } else if (input instanceof Task<?> task) {
                    value = task.call();
                } else {
                    errKind = Frames.ERR_BAD_INPUT;
                    throw new IllegalArgumentException("not a Task: "
                            + (input == null ? "null" : input.getClass().getName()));
                }
            } catch (Throwable e) {
                value = null;
                error = e;
            } finally {
                synchronized (lock) {
                    current = -1;
                    Thread.interrupted(); // a cancel that raced with the end of the call must not hit the next one
                }
            }
            if (state.tracked() && stateFailure == null) {
                // the state goes first, so the controller has it when it sees the call's response
                Object s = state.get();
                stateBuf.reset();
                try {
                    codec.encode(s, stateBuf);
                    ch.send(Frames.STATE, f.id, stateBuf.array(), 0, stateBuf.size(), false);
                } catch (Throwable e) {
                    if (error == null) {
                        errKind = Frames.ERR_RESULT_NOT_SERIALIZABLE;
                        String offending = e instanceof NotSerializableException && e.getMessage() != null
                                ? e.getMessage() : s.getClass().getName();
                        error = new TaskNotSerializableException("worker state of type " + s.getClass().getName(),
                                offending, e);
                    }
                }
                if (stateBuf.array().length > 1 << 20) {
                    stateBuf = new Buf(256);
                }
            }
            if (error != null) {
                respondError(errKind, f.id, error);
                continue;
            }
            result.reset();
            try {
                codec.encode(value, result);
            } catch (Throwable e) {
                String offending = e instanceof NotSerializableException && e.getMessage() != null
                        ? e.getMessage() : value.getClass().getName();
                respondError(Frames.ERR_RESULT_NOT_SERIALIZABLE, f.id, new TaskNotSerializableException(
                        "result of type " + value.getClass().getName(), offending, e));
                continue;
            }
            drainLogs();
            ch.send(Frames.RESULT, f.id, result.array(), 0, result.size(), false);
            flushSoon();
            if (result.array().length > 1 << 20) {
                result = new Buf(256);
            }
        }
        // A preloaded task can end before the connection is up: the answers wait for it, since
        // until the handshake is done they exist only in this process's buffer.
        boolean interrupted = false;
        while (true) {
            try {
                connected.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // a late cancel; the connection still decides
            }
        }
        exiting = true;
        System.out.flush();
        System.err.flush();
        drainLogs();
        ch.send(Frames.BYE, calls, true);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        System.exit(0);
    }

    private void respondError(byte kind, long id, Throwable error) {
        Buf payload = Failures.encode(kind, error, codec);
        drainLogs();
        ch.send(Frames.ERROR, id, payload.array(), 0, payload.size(), false);
        flushSoon();
    }

    private Object decode(byte[] payload) throws IOException, ClassNotFoundException {
        RemoteClassLoader remote = remoteClasses;
        String filter = serialFilter;
        if (filter != null) {
            dev.procpool.internal.AllowList.clear();
        }
        try {
            return codec.decode(new ByteArrayInputStream(payload), remote != null ? remote : ClassLoader.getSystemClassLoader());
        } catch (java.io.InvalidClassException e) {
            String why = filter == null ? null : dev.procpool.internal.AllowList.explain(e, "this remote worker",
                    "RemoteOptions.builder(...).allowClasses(\"%s\") on the controller", filter);
            if (why == null) {
                throw e;
            }
            java.io.InvalidClassException named = new java.io.InvalidClassException(why);
            named.initCause(e);
            throw named;
        } catch (ClassNotFoundException e) {
            if (remote != null) {
                throw e; // the remote class loader's message says where it looked
            }
            if (filter != null) { // a remote worker whose controller turned remote class loading off
                throw new ClassNotFoundException("class " + e.getMessage() + " is not on this worker-server's classpath ("
                        + System.getProperty("java.class.path") + "); start the worker-server with --classpath YOUR_JARS"
                        + " (WorkerServerOptions.builder().classpath), or leave RemoteOptions remoteClassLoading on", e);
            }
            // the controller runs under a class loader this JVM does not have (exec:java, an IDE, a fat jar)
            throw new ClassNotFoundException("class " + e.getMessage() + " is not on this worker JVM's classpath ("
                    + System.getProperty("java.class.path") + "); the controller loaded it from elsewhere: give the worker"
                    + " the classpath of your classes with WorkerOptions.builder().classpath(...)", e);
        }
    }
}
