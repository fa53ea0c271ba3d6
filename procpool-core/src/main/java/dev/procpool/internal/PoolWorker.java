package dev.procpool.internal;

import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One worker slot of a pool: an engine (a thread, a child JVM or a remote worker), the tasks sent
 * to it in order, and what the dispatch policy needs to know about it. The pool decides under its
 * lock; this class carries the decisions out: it starts its engine ({@link #start}), sends the
 * tasks the pool put in its outbox ({@link #drain}), stops its engine ({@link #stop}), and passes
 * its engine's events to the pool.
 *
 * <p>Fields not marked otherwise are guarded by the pool's lock. Its state moves as
 * {@link SlotState} documents.
 */
final class PoolWorker implements Engine.Listener {
    private final PoolCore pool;
    final int index;
    final WorkerType type;
    final WorkerOptions workerOptions;
    /** Sent and not yet answered, in the order sent: the worker runs them in this order. */
    final ArrayDeque<PoolTask<?>> inflight = new ArrayDeque<>();
    /**
     * Decided for this worker and not yet handed to its engine, in the order decided: appended
     * under the pool's lock, taken under {@link #sendLock} alone, so sending costs no pool lock.
     */
    final ConcurrentLinkedQueue<PoolTask<?>> outbox = new ConcurrentLinkedQueue<>();
    /** Serializes sends to the engine, so frames leave in the order they were decided. */
    private final ReentrantLock sendLock = new ReentrantLock();
    private volatile Engine engine;
    volatile SlotState state = SlotState.STARTING;
    volatile long tasksDone;
    volatile long tasksFailed;
    long dispatched;
    long lastAnswerAt;
    long serviceNanos;
    long serviceSamples;
    long idleSince = System.nanoTime();
    WorkerStartException startFailure;
    /** The thread that reads this worker's channel (null for a thread worker, or before ready). */
    private volatile Thread ioThread;
    /** Frames for this worker were appended on its own I/O thread: written when it has read all it can. */
    private boolean flushAtReadIdle; // confined to the I/O thread
    /** How its engine ended, once it has; for the user's handle ({@link PoolWorkerHandle}). */
    volatile ExitInfo exitInfo;
    /** Stopped from the user's handle; for the state that handle reports. */
    volatile boolean killedByHandle;
    /** A thread worker's state (shared with its task); a channel worker's, as last received. */
    final CurrentWorker.StateBox userState;
    /**
     * The latest heartbeat the worker answered, as the time its ping left ({@code nanoTime}); the
     * worker has read every task sent before it. Meaningful once {@link #readAnyPing} is set.
     */
    private volatile long readPingNanos;
    private volatile boolean readAnyPing;

    PoolWorker(PoolCore pool, int index, WorkerType type, WorkerOptions workerOptions) {
        this.pool = pool;
        this.index = index;
        this.type = type;
        this.workerOptions = workerOptions;
        Object initial = workerOptions.initialState().orElse(null);
        this.userState = new CurrentWorker.StateBox(initial, initial != null);
    }

    String name() {
        return workerOptions.name().orElseThrow();
    }

    Engine engine() {
        return engine;
    }

    long pid() {
        Engine e = engine;
        return e == null ? -1 : e.pid();
    }

    /** A read-only view of this slot, for status and telemetry. Call with the pool lock held. */
    WorkerSnapshot snapshot() {
        Engine e = engine;
        PoolTask<?> head = inflight.peekFirst();
        return new WorkerSnapshot(name(), index, type, e == null ? -1 : e.pid(), e == null ? null : e.host(), state,
                head == null ? -1 : head.id, head == null ? 0 : head.sentAt, tasksDone, tasksFailed);
    }

    /** Feeds the running average of this worker's time per task. Call with the pool lock held. */
    void served(PoolTask<?> t, long now) {
        long sample = now - Math.max(t.sentAt, lastAnswerAt);
        lastAnswerAt = now;
        serviceNanos = serviceSamples == 0 ? sample : (serviceNanos * 7 + sample) / 8;
        serviceSamples++;
    }

    /** Removes a task from the in-flight list. Call with the pool lock held. */
    PoolTask<?> removeInflight(long id) {
        for (Iterator<PoolTask<?>> it = inflight.iterator(); it.hasNext(); ) {
            PoolTask<?> t = it.next();
            if (t.id == id) {
                it.remove();
                return t;
            }
        }
        return null;
    }

    /** Starts the engine and sends what was decided for it meanwhile. */
    void start() throws WorkerStartException {
        if (!pool.slotStarting(this)) {
            return; // stopped before it was started: nothing to start
        }
        Engine e;
        Object preparedState = null;
        try {
            if (type != WorkerType.THREAD && userState.tracked()) {
                preparedState = ProcessEngine.prepare(workerOptions.codec(), "initial worker state", userState.get());
            }
            e = Engines.create(type, name(), BaseWorker.IDS.incrementAndGet(), 1, Integer.toString(index),
                    workerOptions, pool.loader, this, userState);
        } catch (IllegalArgumentException | dev.procpool.TaskNotSerializableException bad) {
            throw new WorkerStartException("cannot start worker '" + name() + "': " + bad.getMessage(), bad);
        }
        engine = e;
        try {
            e.start();
        } catch (WorkerStartException ex) {
            startFailure = ex;
            exited(e, new ExitInfo(false, OptionalInt.empty(), null, List.of(), "could not be started: "
                    + ex.getMessage(), ex, false));
            throw ex;
        }
        if (preparedState != null) {
            e.initState(preparedState); // before any call: the worker's first frame must be its state
        }
        pool.telemetry.workerStarted(name(), e.pid(), e.host(), e.threadId());
        drain(true);
        e.initialized();
        if (pool.isRetiring(this)) {
            e.endInput(); // told to retire before it existed
        }
    }

    /**
     * Sends what the pool decided for this worker, in order, and has it written: on the worker's
     * own I/O thread once that thread has read every frame it has ({@link #readIdle}), so a burst
     * of responses is answered with one write; on a thread that may wait for this worker (a
     * submitting thread) at once or with the rest of a burst; on any other thread (the shared
     * timer, another worker's I/O thread) by the channel's writer, so no thread waits for a peer
     * that is not its own.
     */
    void drain(boolean mayWait) {
        Engine e = engine;
        if (e == null) {
            return; // not started yet: start() drains
        }
        boolean sent = false;
        sendLock.lock();
        try {
            PoolTask<?> t;
            while ((t = outbox.poll()) != null) {
                e.call(t.id, type == WorkerType.THREAD ? t.task : t.encoded, false);
                sent = true;
                PoolTask<?> sentTask = t;
                t.options.timeout().ifPresent(d -> sentTask.timeout = Controller.get().timer().schedule(
                        () -> pool.timedOut(sentTask, this), d.toNanos(), TimeUnit.NANOSECONDS));
            }
        } finally {
            sendLock.unlock();
        }
        if (!sent) {
            return;
        }
        if (Thread.currentThread() == ioThread) {
            flushAtReadIdle = true;
        } else if (mayWait) {
            e.flushSoon();
        } else {
            e.flushAsync();
        }
    }

    /** Interrupt, then SIGTERM after the grace, then SIGKILL after another; never blocks. */
    void stop() {
        Engine e = engine;
        if (e != null) {
            StopEscalation.schedule(e, pool.options.grace());
        }
    }

    // ------------------------------------------------------------------ engine events

    @Override
    public void readIdle(Engine e) {
        if (flushAtReadIdle) {
            flushAtReadIdle = false;
            e.flush(); // this worker's own I/O thread: it may wait for its own worker
        }
    }

    @Override
    public void readUpTo(Engine e, long pingSentNanos) {
        if (!readAnyPing || pingSentNanos - readPingNanos > 0) {
            readPingNanos = pingSentNanos;
            readAnyPing = true;
        }
    }

    /**
     * Whether the worker acknowledged having read a task sent at {@code sentNanos}: it answered a
     * heartbeat whose ping left after the task. A task is put on the wire after it is marked sent,
     * so a ping that left later than that mark may still have preceded it: then the task counts as
     * read (possibly started), the safe side.
     */
    boolean acknowledgedRead(long sentNanos) {
        return readAnyPing && readPingNanos - sentNanos > 0;
    }

    @Override
    public void ready(Engine e) {
        if (type != WorkerType.THREAD) {
            ioThread = Thread.currentThread();
        }
        pool.ready(this);
    }

    /** A result is handed to the pool as soon as it is read: its future completes now. */
    @Override
    public void result(Engine e, long callId, Object value) {
        pool.answered(this, new Response(callId, value, (byte) -1, null));
    }

    @Override
    public void failure(Engine e, long callId, byte kind, Throwable error) {
        pool.answered(this, new Response(callId, null, kind, error));
    }

    @Override
    public void state(Engine e, long callId, Object value) {
        userState.set(value);
    }

    @Override
    public void bye(Engine e, long calls) {
        // the exit follows
    }

    @Override
    public void exited(Engine e, ExitInfo info) {
        ioThread = null;
        exitInfo = info;
        pool.exited(this, info);
    }

    /** One response of a worker: a value, or an error of a kind ({@code Frames.ERR_*}). */
    record Response(long callId, Object value, byte kind, Throwable error) {
    }

    /** A process's resident size, from /proc (0 when unknown). */
    static long residentBytes(long pid) {
        try {
            String[] statm = Files.readString(Path.of("/proc/" + pid + "/statm")).trim().split(" ");
            return Long.parseLong(statm[1]) * 4096;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return "PoolWorker{" + workerOptions.name().orElse("?") + ", " + state + ", in flight " + inflight.size() + "}";
    }
}
