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
    /**
     * Per I/O thread of a process worker: workers whose frames were appended while handling
     * responses and await one write at {@code readIdle}. Null on other threads (they write at once).
     */
    private static final ThreadLocal<List<PoolWorker>> DEFERRED_FLUSHES = new ThreadLocal<>();

    private final PoolCore pool;
    final int index;
    final WorkerType type;
    final WorkerOptions workerOptions;
    /** Sent and not yet answered, in the order sent: the worker runs them in this order. */
    final ArrayDeque<PoolTask<?>> inflight = new ArrayDeque<>();
    /** Decided for this worker and not yet handed to its engine, in the order decided. */
    final ArrayDeque<PoolTask<?>> outbox = new ArrayDeque<>();
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
    /**
     * The latest heartbeat the worker answered, as the time its ping left ({@code nanoTime}); the
     * worker has read every task sent before it. Meaningful once {@link #readAnyPing} is set.
     */
    private volatile long readPingNanos;
    private volatile boolean readAnyPing;
    /** Responses read and not yet handled; confined to the worker's I/O thread. */
    private final List<Response> responses = new ArrayList<>();

    PoolWorker(PoolCore pool, int index, WorkerType type, WorkerOptions workerOptions) {
        this.pool = pool;
        this.index = index;
        this.type = type;
        this.workerOptions = workerOptions;
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
        try {
            e = type == WorkerType.THREAD
                    ? new ThreadEngine(name(), Integer.toString(index), this)
                    : type == WorkerType.REMOTE
                    ? new RemoteEngine(name(), BaseWorker.IDS.incrementAndGet(), workerOptions, pool.loader, this)
                    : new ProcessEngine(name(), BaseWorker.IDS.incrementAndGet(), 1, workerOptions, pool.loader, this);
        } catch (IllegalArgumentException bad) {
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
        drain();
        e.initialized();
        if (pool.isRetiring(this)) {
            e.endInput(); // told to retire before it existed
        }
    }

    /**
     * Sends what the pool decided for this worker, in order. On a worker's I/O thread the write
     * waits until that thread has handled every response it read ({@link #readIdle}), so a
     * burst of responses is answered with one write per worker, not one per task.
     */
    void drain() {
        Engine e = engine;
        if (e == null) {
            return; // not started yet: start() drains
        }
        List<PoolWorker> deferred = DEFERRED_FLUSHES.get();
        boolean sent = false;
        sendLock.lock();
        try {
            while (true) {
                PoolTask<?> t = pool.nextToSend(this);
                if (t == null) {
                    break;
                }
                e.call(t.id, type == WorkerType.THREAD ? t.task : t.encoded, false);
                sent = true;
                t.options.timeout().ifPresent(d -> t.timeout = Controller.get().timer().schedule(
                        () -> pool.timedOut(t, this), d.toNanos(), TimeUnit.NANOSECONDS));
            }
        } finally {
            sendLock.unlock();
        }
        if (sent) {
            if (deferred != null) {
                if (!deferred.contains(this)) {
                    deferred.add(this);
                }
            } else {
                e.flushSoon();
            }
        }
    }

    /** Interrupt, then SIGTERM after the grace, then SIGKILL after another. */
    void stop() {
        Engine e = engine;
        if (e == null) {
            return;
        }
        e.stop();
        long grace = Math.max(1, pool.options.grace().toMillis());
        Controller.get().timer().schedule(() -> {
            if (e.isAlive()) {
                e.signalTerm();
                Controller.get().timer().schedule(() -> {
                    if (e.isAlive()) {
                        e.kill();
                    }
                }, grace, TimeUnit.MILLISECONDS);
            }
        }, grace, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ engine events

    @Override
    public void readIdle(Engine e) {
        handleResponses();
        flushDeferred();
    }

    private static void flushDeferred() {
        List<PoolWorker> deferred = DEFERRED_FLUSHES.get();
        if (deferred == null) {
            return;
        }
        for (PoolWorker w : deferred) {
            Engine we = w.engine;
            if (we != null) {
                we.flush();
            }
        }
        deferred.clear();
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
            DEFERRED_FLUSHES.set(new ArrayList<>(2)); // this is the worker's I/O thread
        }
        pool.ready(this);
    }

    @Override
    public void result(Engine e, long callId, Object value) {
        respond(new Response(callId, value, (byte) -1, null));
    }

    @Override
    public void failure(Engine e, long callId, byte kind, Throwable error) {
        respond(new Response(callId, null, kind, error));
    }

    /** A process worker's responses wait for the end of their burst ({@link #readIdle}). */
    private void respond(Response r) {
        if (type != WorkerType.THREAD) {
            responses.add(r);
        } else {
            pool.answered(this, List.of(r));
        }
    }

    private void handleResponses() {
        if (!responses.isEmpty()) {
            List<Response> burst = new ArrayList<>(responses);
            responses.clear();
            pool.answered(this, burst);
        }
    }

    @Override
    public void bye(Engine e, long calls) {
        // the exit follows
    }

    @Override
    public void exited(Engine e, ExitInfo info) {
        handleResponses();
        pool.exited(this, info);
        // this I/O thread ends here: what it decided for other workers must leave now
        flushDeferred();
        DEFERRED_FLUSHES.remove();
    }

    /** One response of a worker. */
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
