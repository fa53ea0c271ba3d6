package dev.procpool.internal;

import dev.procpool.FailureContext;
import dev.procpool.TaskFailedException;
import dev.procpool.Worker;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerExit;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerState;
import dev.procpool.WorkerTerminatedException;
import dev.procpool.WorkerType;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine shared by one-shot and persistent workers of every kind.
 *
 * <p>Maintainer notes. Two locks:
 * <ul>
 *   <li>{@code lock} guards every mutable field below and is held only briefly; engine events
 *       take it, and nothing blocking or user-supplied runs under it.</li>
 *   <li>{@code sendLock} orders the frames a worker sends (calls, end of input, restart), so a call
 *       can never slip in after END_INPUT. Sending can block when the child stops reading, which is
 *       why it is a separate lock: state queries and engine events never wait behind a send.
 *       Engine threads never take it (they must always be free to drain the channel).</li>
 * </ul>
 * Every call gets a {@link Slot} in {@code slots} (call order) and {@code open} (by id, until
 * answered). When the engine exits, every open slot is failed with the worker's error, so each
 * call ends exactly once. Events from an engine other than the current one (an abandoned thread,
 * an incarnation replaced by restart) are ignored.
 */
abstract class BaseWorker<R> implements Worker<R>, Engine.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(BaseWorker.class);
    /** Worker ids, shared with pool workers so that every worker of this JVM has its own. */
    static final AtomicLong IDS = new AtomicLong();

    final long id;
    final String name;
    final WorkerType type;
    final WorkerOptions options;
    private final ClassLoader loader;

    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    final ReentrantLock sendLock = new ReentrantLock();

    // guarded by lock
    Engine engine;
    private int incarnation;
    WorkerState state;
    private int stopLevel;
    private String stopRequest;
    private WorkerExit exit;
    private Throwable error;
    private R value;
    private CompletableFuture<R> future = new CompletableFuture<>();
    /** Terminal and the future completed: what {@link #await} waits for. */
    private boolean settled;
    final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final Map<Long, Slot> open = new HashMap<>();
    long nextCallId;
    long calls;
    boolean inputEnded;
    /** Calls enqueued before {@link #start()}: sent right after the function. Guarded by {@code sendLock}. */
    final java.util.List<Object[]> beforeStart = new java.util.ArrayList<>();
    /** The initial state, prepared for the engine kind once; null when there is none. */
    private final Object preparedState;
    /** A thread worker's state: the one object its task and this handle share. */
    private CurrentWorker.StateBox stateBox;
    /** A process or remote worker's state, as last received. Guarded by {@code lock}. */
    private Object userState;

    BaseWorker(WorkerType type, WorkerOptions options) {
        this.id = IDS.incrementAndGet();
        this.type = type;
        this.options = options;
        this.name = options.name().orElse(type.name().toLowerCase() + "-" + id);
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        this.loader = cl != null ? cl : BaseWorker.class.getClassLoader();
        this.state = WorkerState.CREATED;
        this.preparedState = options.initialState().map(st -> prepare("initial worker state", st)).orElse(null);
    }

    /** What a new incarnation is given first: the one-shot task, or the persistent function. */
    abstract void initialize(Engine engine);

    /** The value of {@link #result()} for a worker that completed. */
    abstract R completedValue(Slot only);

    abstract boolean oneShot();

    /** Prepares a value for sending with this worker's kind and codec. */
    final Object prepare(String what, Object input) {
        return Engines.prepare(type, options.codec(), what, input);
    }

    /** Starts a new incarnation. Call with {@code sendLock} held and {@code lock} not held. */
    final void startIncarnation() throws WorkerStartException {
        Engine e;
        boolean first;
        lock.lock();
        try {
            first = state == WorkerState.CREATED;
            incarnation++;
            state = WorkerState.STARTING;
            stopLevel = 0;
            stopRequest = null;
            exit = null;
            error = null;
            value = null;
            settled = false;
            calls = 0;
            if (!first) {
                inputEnded = false; // a first start keeps what was said before it (endInput)
            }
            if (future.isDone()) {
                future = new CompletableFuture<>();
            }
            Object initial = options.initialState().orElse(null);
            userState = initial;
            stateBox = new CurrentWorker.StateBox(initial, initial != null);
            e = Engines.create(type, name, id, incarnation, null, options, loader, this, stateBox);
            engine = e;
        } finally {
            lock.unlock();
        }
        try {
            e.start();
        } catch (WorkerStartException ex) {
            exited(e, new ExitInfo(false, java.util.OptionalInt.empty(), null, java.util.List.of(),
                    "could not be started: " + ex.getMessage(), ex, false));
            throw ex;
        }
        if (preparedState != null) {
            e.initState(preparedState);
        }
        initialize(e);
        if (first) {
            for (Object[] call : beforeStart) {
                e.call((Long) call[0], call[1], false);
            }
            beforeStart.clear();
            e.flush();
            if (locked(() -> inputEnded)) {
                e.endInput();
            }
        }
        e.initialized();
    }

    @Override
    public void state(Engine e, long callId, Object st) {
        lock.lock();
        try {
            if (e == engine) {
                userState = st;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Object> userState() {
        lock.lock();
        try {
            return Optional.ofNullable(type == WorkerType.THREAD ? stateBox == null ? options.initialState().orElse(null)
                    : stateBox.get() : userState);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void start() throws WorkerStartException {
        sendLock.lock();
        try {
            WorkerState now = state();
            if (now != WorkerState.CREATED) {
                throw new IllegalStateException("worker '" + name + "' was started already (it is " + now + ")");
            }
            startIncarnation();
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * Ends a worker that was never started: nothing runs, nothing was allocated; calls enqueued
     * meanwhile end with {@link WorkerTerminatedException}. Call with {@code sendLock} held.
     *
     * @return false if the worker is not {@link WorkerState#CREATED}
     */
    private boolean endUnstarted(String why) {
        CompletableFuture<R> f;
        WorkerTerminatedException err;
        lock.lock();
        try {
            if (state != WorkerState.CREATED) {
                return false;
            }
            err = new WorkerTerminatedException("worker '" + name + "' was never started: " + why, null);
            for (Slot s : open.values()) {
                s.done = true;
                s.error = err;
            }
            open.clear();
            beforeStart.clear();
            state = WorkerState.TERMINATED;
            error = err;
            exit = new WorkerExit(WorkerState.TERMINATED, "terminated before it was started (" + why + ")",
                    java.util.OptionalInt.empty(), null, java.util.List.of());
            f = future;
        } finally {
            lock.unlock();
        }
        f.completeExceptionally(err);
        lock.lock();
        try {
            settled = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return true;
    }

    private boolean endUnstartedNow(String why) {
        if (state() != WorkerState.CREATED) {
            return false;
        }
        sendLock.lock();
        try {
            return endUnstarted(why);
        } finally {
            sendLock.unlock();
        }
    }

    /** Registers a call; returns null if the worker cannot take it. Call with {@code sendLock} held. */
    final Slot newSlot() {
        lock.lock();
        try {
            if (state.isTerminal() || inputEnded) {
                return null;
            }
            Slot s = new Slot(++nextCallId);
            slots.addLast(s);
            open.put(s.id, s);
            return s;
        } finally {
            lock.unlock();
        }
    }

    // ---- Engine.Listener: called on engine threads ----

    @Override
    public void ready(Engine e) {
        lock.lock();
        try {
            if (e == engine && state == WorkerState.STARTING) {
                state = inputEnded && !oneShot() ? WorkerState.CLOSING : WorkerState.RUNNING;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void result(Engine e, long callId, Object v) {
        complete(e, callId, v, null);
    }

    @Override
    public void failure(Engine e, long callId, byte kind, Throwable err) {
        complete(e, callId, null, err);
    }

    private void complete(Engine e, long callId, Object v, Throwable err) {
        lock.lock();
        try {
            if (e != engine) {
                return;
            }
            Slot s = open.remove(callId);
            if (s == null) {
                LOG.warn("worker {} answered call {} that it was not given, or twice; ignored", name, callId);
                return;
            }
            if (err != null && stopLevel > 0 && !oneShot()) {
                // one user action, one exception: whether the stop was gentle (the worker answered
                // "cancelled" or the interrupted call threw) or escalated to a signal (no answer),
                // a call the stop left without a value ends with WorkerTerminatedException
                err = new WorkerTerminatedException("worker '" + name + "' (pid " + e.pid() + ") was stopped on request ("
                        + stopRequest + ") before call " + callId + " produced a value", err);
            }
            s.done = true;
            s.value = v;
            s.error = err;
            s.beforeStop = stopLevel == 0;
            if (oneShot() && state == WorkerState.RUNNING) {
                state = WorkerState.CLOSING;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void bye(Engine e, long n) {
        lock.lock();
        try {
            if (e == engine) {
                calls = n;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void exited(Engine e, ExitInfo info) {
        CompletableFuture<R> f;
        R v = null;
        Throwable thrown;
        lock.lock();
        try {
            if (e != engine || state.isTerminal()) {
                return;
            }
            Slot only = oneShot() ? slots.peekLast() : null;
            WorkerState end;
            String description;
            Throwable err;
            if (only != null && only.done && only.beforeStop) {
                end = only.error == null ? WorkerState.COMPLETED : WorkerState.FAILED;
                description = only.error == null ? "completed: the task returned a result"
                        : "failed: the task threw " + only.error;
                if (!info.clean()) {
                    description += "; afterwards the worker " + info.how();
                }
                err = only.error;
            } else if (stopLevel > 0) {
                end = WorkerState.TERMINATED;
                description = "terminated on request (" + stopRequest + "): " + steps() + "; " + info.how();
                Throwable cause = only != null && only.done ? only.error : null;
                err = new WorkerTerminatedException("worker '" + name + "' (pid " + e.pid() + ") " + description, cause);
            } else if (info.clean() && !oneShot()) {
                end = WorkerState.COMPLETED;
                description = "completed: " + calls + " call" + (calls == 1 ? "" : "s") + ", input ended";
                err = null;
            } else {
                end = WorkerState.DIED;
                String how = info.clean() ? "ended without answering its task" : info.how();
                description = "died: " + how;
                err = new WorkerDiedException(name, e.pid(), how, info.exitCode(), info.signal(), info.stderrTail(),
                        info.cause());
            }
            for (Slot s : open.values()) {
                s.done = true;
                s.error = err;
                s.beforeStop = false;
            }
            open.clear();
            state = end;
            error = err;
            exit = new WorkerExit(end, description, info.exitCode(), info.signal(), info.stderrTail());
            if (end == WorkerState.COMPLETED) {
                value = completedValue(only);
                v = value;
            }
            // the future's failure is the task's own exception (where it ran rides along,
            // suppressed); result() wraps it in TaskFailedException, being no future
            thrown = end == WorkerState.COMPLETED ? null : end == WorkerState.FAILED
                    ? FailureContext.attach(error, new FailureContext(-1, name, e.pid(), 1)) : outcomeException();
            f = future;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        // completed outside the lock (its callbacks are user code), but before await() returns, so
        // whoever awaited the worker also sees its future done
        try {
            if (thrown == null) {
                f.complete(v);
            } else {
                f.completeExceptionally(thrown);
            }
        } finally {
            lock.lock();
            try {
                if (e == engine) {
                    settled = true;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private String steps() {
        if ("kill()".equals(stopRequest)) {
            return type == WorkerType.THREAD ? "interrupted and abandoned" : "sent SIGKILL";
        }
        return switch (stopLevel) {
            case 1 -> "interrupted the task";
            case 2 -> type == WorkerType.THREAD ? "interrupted the task, which ignored it"
                    : "interrupted the task, which ignored it; then sent SIGTERM";
            default -> type == WorkerType.THREAD ? "interrupted the task, which ignored it"
                    : "interrupted the task, which ignored it; sent SIGTERM, which did not end it; then sent SIGKILL";
        };
    }

    /** What {@link #result()} throws in the current terminal state. Call with {@code lock} held. */
    private RuntimeException outcomeException() {
        return switch (state) {
            case FAILED -> new TaskFailedException(name, engine.pid(), error);
            case COMPLETED -> null;
            default -> (RuntimeException) error;
        };
    }

    // ---- Worker ----

    @Override
    public long id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public WorkerType type() {
        return type;
    }

    @Override
    public String host() {
        Engine e = currentEngine();
        return e != null ? e.host() : options.remote().map(r -> r.host()).orElse(localHostName());
    }

    static String localHostName() {
        return Host.NAME;
    }

    @Override
    public long pid() {
        Engine e = currentEngine();
        return e == null ? -1 : e.pid();
    }

    @Override
    public OptionalLong threadId() {
        Engine e = currentEngine();
        return e == null ? OptionalLong.empty() : e.threadId();
    }

    @Override
    public WorkerState state() {
        return locked(() -> state);
    }

    @Override
    public boolean isAlive() {
        Engine e = currentEngine();
        return e != null && e.isAlive();
    }

    @Override
    public Optional<String> launchCommand() {
        Engine e = currentEngine();
        return e == null ? Optional.empty() : e.launchCommand();
    }

    Engine currentEngine() {
        return locked(() -> engine);
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            if (state == WorkerState.CREATED) {
                throw new IllegalStateException("worker '" + name + "' is CREATED: it was never started, call start() first");
            }
            return Waits.awaitLocked(changed, () -> settled, timeout.toNanos());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public R result() {
        lock.lock();
        try {
            if (state == WorkerState.CREATED) {
                throw new IllegalStateException("worker '" + name + "' is CREATED: it was never started, so it has no result; call start() first");
            }
            if (!state.isTerminal()) {
                throw new IllegalStateException("worker '" + name + "' is " + state + "; await() it before asking for the result");
            }
            RuntimeException e = outcomeException();
            if (e != null) {
                throw e;
            }
            return value;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Throwable> error() {
        return locked(() -> Optional.ofNullable(error));
    }

    @Override
    public boolean hasError() {
        return locked(() -> state.isTerminal() && state != WorkerState.COMPLETED);
    }

    @Override
    public Optional<WorkerExit> exit() {
        return locked(() -> Optional.ofNullable(exit));
    }

    @Override
    public CompletableFuture<R> future() {
        return locked(() -> future);
    }

    @Override
    public void terminate(Duration grace) throws InterruptedException {
        if (endUnstartedNow("terminate(" + grace + ")")) {
            return;
        }
        Engine e;
        lock.lock();
        try {
            if (state.isTerminal()) {
                return;
            }
            if (stopRequest == null) {
                stopRequest = "terminate(" + grace + ")";
            }
            stopLevel = Math.max(stopLevel, 1);
            e = engine;
        } finally {
            lock.unlock();
        }
        // SIGKILL cannot be ignored; the bound after it only guards against a process stuck in the kernel
        StopEscalation.await(e, grace, level -> escalate(e, level), this::await);
    }

    private boolean escalate(Engine e, int level) {
        lock.lock();
        try {
            if (e != engine || state.isTerminal()) {
                return false;
            }
            stopLevel = Math.max(stopLevel, level);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void kill() {
        if (endUnstartedNow("kill()")) {
            return;
        }
        Engine e;
        lock.lock();
        try {
            if (state.isTerminal()) {
                return;
            }
            if (stopRequest == null) {
                stopRequest = "kill()";
            }
            stopLevel = 3;
            e = engine;
        } finally {
            lock.unlock();
        }
        e.kill();
    }

    /** Sends end of input once. Call with {@code sendLock} held. */
    final void endInputLocked() {
        Engine e;
        lock.lock();
        try {
            if (inputEnded || state.isTerminal()) {
                return;
            }
            inputEnded = true;
            if (state == WorkerState.RUNNING && !oneShot()) {
                state = WorkerState.CLOSING;
                changed.signalAll();
            }
            e = engine;
        } finally {
            lock.unlock();
        }
        if (e != null) { // not started yet: the start sends it
            e.endInput();
        }
    }

    @Override
    public void close() {
        sendLock.lock();
        try {
            closeLocked();
        } finally {
            sendLock.unlock();
        }
    }

    private void closeLocked() {
        if (endUnstarted("close()")) {
            return;
        }
        endInputLocked();
        try {
            if (!await(options.closeTimeout())) {
                lock.lock();
                try {
                    if (stopRequest == null) {
                        stopRequest = "close() after waiting " + options.closeTimeout();
                    }
                } finally {
                    lock.unlock();
                }
                terminate(options.grace());
            }
        } catch (InterruptedException ie) {
            kill();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void restart() throws InterruptedException, WorkerStartException {
        sendLock.lockInterruptibly();
        try {
            if (state() == WorkerState.CREATED) {
                startIncarnation(); // never started: restarting it is starting it
                return;
            }
            closeLocked();
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("interrupted while the old incarnation of '" + name + "' wound down");
            }
            startIncarnation();
        } finally {
            sendLock.unlock();
        }
    }

    /** Reads state under the lock; for the many one-line getters. */
    final <T> T locked(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** Starts a newly built worker's first incarnation; for the factories of the subclasses. */
    static <W extends BaseWorker<?>> W started(W worker) throws WorkerStartException {
        worker.sendLock.lock();
        try {
            worker.startIncarnation();
        } finally {
            worker.sendLock.unlock();
        }
        return worker;
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return getClass().getSimpleName() + "{name=" + name + ", type=" + type + ", state=" + state
                    + ", pid=" + (engine == null ? "?" : engine.pid()) + ", open calls=" + open.size() + "}";
        } finally {
            lock.unlock();
        }
    }

    /** One call's outcome. Guarded by {@link #lock}. */
    static final class Slot {
        final long id;
        boolean done;
        Object value;
        Throwable error;
        boolean beforeStop;

        Slot(long id) {
            this.id = id;
        }

        /** The value, or the exception a caller sees for this call. */
        Object valueOrThrow(String workerName, long pid) {
            if (error == null) {
                return value;
            }
            if (error instanceof WorkerDiedException || error instanceof WorkerTerminatedException
                    || error instanceof CancellationException) {
                throw (RuntimeException) error;
            }
            throw new TaskFailedException(workerName, pid, error);
        }
    }

    /** This host's name, looked up once. */
    private static final class Host {
        static final String NAME = lookup();

        private static String lookup() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "localhost";
            }
        }
    }
}
