package dev.procpool.internal;

import dev.procpool.Batch;
import dev.procpool.BatchResult;
import dev.procpool.PoolOptions;
import dev.procpool.PoolStats;
import dev.procpool.ProcpoolException;
import dev.procpool.RejectionPolicy;
import dev.procpool.Task;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskFunction;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskRejectedException;
import dev.procpool.TaskState;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.internal.protocol.Frames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool engine: its queue, its worker slots and the events that move tasks between them.
 *
 * <p>Maintainer notes. One lock, {@code lock}, guards the queue, the slots and their in-flight
 * lists, the counters, the batches and the polled callbacks. Every event (a submit, a response, a
 * worker's exit, a timeout, a cancel) takes the lock, decides, and records what to do in a
 * {@link PoolActions}; the actions (sending frames, spawning and stopping processes, completing
 * futures, running callbacks) run after the lock is released. Methods named {@code *Locked}
 * expect the lock held and assert it. Frames to one worker go through its outbox under its own
 * send lock, so they leave in the order they were decided.
 *
 * <p>Who does what: {@link DispatchPolicy} decides where tasks go (no I/O, unit-tested alone);
 * {@link PoolWorker} is one slot and carries out what was decided for it; {@link PoolTask} is the
 * user's handle; {@link AbstractPool} builds map and invoke* on {@code submit}; batches and
 * callbacks keep their books in {@link PoolBatches} and {@link PoolCallbacks}. The pool's states
 * are {@link PoolState}, a slot's {@link SlotState}.
 *
 * <p>Where things happen (the places to hook into): a task is queued in {@link #queuedLocked},
 * sent to a worker in {@link #sentLocked}, retried in {@link #retryLocked}, ended in
 * {@link #endLocked}; a slot is created in {@link #newWorkerLocked}, becomes ready in
 * {@link #ready}, is stopped for a timeout in {@link #timedOut}, and exits in {@link #exited}.
 *
 * <p>Exactly-once ending: a task leaves the queue only for one worker's in-flight list; it leaves
 * that list by its response, its timeout, or its worker's exit. At the exit, the first task in
 * flight is the one that may have run (the worker runs them in order): it fails or is retried per
 * its options; the others never started and go back to the front of the queue. A task's terminal
 * state is set once, under the lock ({@link #endLocked}); later responses for it are ignored.
 */
public final class PoolImpl extends AbstractPool {
    private static final AtomicLong POOL_IDS = new AtomicLong();

    private final PoolOptions options;
    private final String name;
    private final boolean anyProcess;
    final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ClassLoader loader;
    private final ScheduledFuture<?> maintenance;
    private final DispatchPolicy policy;
    private final PoolCallbacks callbacks;

    // guarded by lock
    private final ArrayDeque<PoolTask<?>> queue = new ArrayDeque<>();
    private final List<PoolWorker> workers = new ArrayList<>();
    private final PoolBatches batches = new PoolBatches();
    private PoolState state = PoolState.RUNNING;
    private int nextWorkerSeq;
    private long nextTaskId;
    /** No new worker before this (nanoTime): after a worker could not start, or died starting. */
    private long spawnBackoffUntil;
    private long submitted;
    private long running;
    private long completed;
    private long failed;
    private long timedOut;
    private long cancelled;
    private long retried;
    private long workersStarted;
    private long workersRecycled;
    private long workersDied;

    private PoolImpl(PoolOptions options) {
        this.options = options;
        long id = POOL_IDS.incrementAndGet();
        this.name = options.name().equals("pool") ? "pool" + id : options.name();
        this.anyProcess = options.workerTypes().contains(WorkerType.PROCESS)
                || options.workerTypes().contains(WorkerType.REMOTE);
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        this.loader = cl != null ? cl : PoolImpl.class.getClassLoader();
        this.policy = new DispatchPolicy(options.minWorkers(), options.maxWorkers(), options.maxTasksPerWorker());
        this.callbacks = new PoolCallbacks(options, name);
        long period = Math.max(50, Math.min(1000, options.idleTimeout().toMillis() / 4));
        this.maintenance = Controller.get().timer().scheduleWithFixedDelay(this::maintain, period, period,
                TimeUnit.MILLISECONDS);
    }

    /** Creates the pool and starts its minimum workers. */
    public static PoolImpl create(PoolOptions options) throws WorkerStartException {
        PoolImpl pool = new PoolImpl(options);
        List<PoolWorker> started = new ArrayList<>();
        pool.lock.lock();
        try {
            for (int i = 0; i < options.minWorkers(); i++) {
                started.add(pool.newWorkerLocked());
            }
        } finally {
            pool.lock.unlock();
        }
        for (PoolWorker w : started) {
            try {
                w.start();
            } catch (WorkerStartException e) {
                pool.shutdownNow();
                throw e;
            }
        }
        return pool;
    }

    PoolOptions options() {
        return options;
    }

    ClassLoader loader() {
        return loader;
    }

    @Override
    int maxWorkers() {
        return options.maxWorkers();
    }

    @Override
    Map<Integer, TaskFunction<?, ?>> functionOverrides() {
        return options.functionOverrides();
    }

    // ------------------------------------------------------------------ submit

    @Override
    public <R> TaskHandle<R> submit(Task<R> task, TaskOptions<? super R> taskOptions) {
        return submit(task, taskOptions, -1, -1);
    }

    private <R> PoolTask<R> submit(Task<R> task, TaskOptions<? super R> taskOptions, long batchId, int index) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(taskOptions, "options");
        // encoded before taking the lock: user serialization code never runs under it
        Object encoded = anyProcess ? ProcessEngine.prepare(options.workerOptions(0).codec(), "task", task)
                : ThreadEngine.prepare(options.workerOptions(0).codec(), "task", task);
        PoolActions actions = new PoolActions();
        PoolTask<R> t;
        lock.lock();
        try {
            while (true) {
                if (state.isShutdown()) {
                    throw new TaskRejectedException("pool '" + name + "' is shut down");
                }
                if (waitingLocked() < options.queueCapacity()) {
                    break;
                }
                if (options.rejectionPolicy() == RejectionPolicy.ABORT) {
                    throw new TaskRejectedException("pool '" + name + "' is full: " + waitingLocked()
                            + " tasks wait for a worker (capacity " + options.queueCapacity() + ")");
                }
                if (options.rejectionPolicy() == RejectionPolicy.CALLER_RUNS) {
                    t = new PoolTask<>(this, ++nextTaskId, task, null, taskOptions, batchId, index);
                    submitted++;
                    running++;
                    batches.track(t);
                    lock.unlock();
                    try {
                        runInCaller(t);
                    } finally {
                        lock.lock();
                    }
                    return t;
                }
                changed.awaitUninterruptibly();
            }
            t = new PoolTask<>(this, ++nextTaskId, task, encoded, taskOptions, batchId, index);
            queuedLocked(t);
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
        return t;
    }

    /** A new task joins the queue. */
    private void queuedLocked(PoolTask<?> t) {
        assert lock.isHeldByCurrentThread();
        submitted++;
        batches.track(t);
        queue.addLast(t);
    }

    /** {@link RejectionPolicy#CALLER_RUNS}: the task runs here, with none of a worker's protection. */
    private <R> void runInCaller(PoolTask<R> t) {
        t.attempts = 1;
        t.state = TaskState.RUNNING;
        Object value = null;
        Throwable error = null;
        try {
            value = t.task.call();
        } catch (Throwable e) {
            error = e;
        }
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            running--;
            if (error == null) {
                endLocked(t, TaskState.SUCCEEDED, value, null, actions);
            } else {
                endLocked(t, TaskState.FAILED, null,
                        new TaskFailedException("caller", ProcessHandle.current().pid(), error), actions);
            }
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    @Override
    public <R> Batch<R> submitBatch(List<? extends Task<R>> tasks) {
        long batchId = locked(batches::open);
        List<TaskHandle<R>> handles = new ArrayList<>(tasks.size());
        int i = 0;
        for (Task<R> task : tasks) {
            handles.add(submit(task, TaskOptions.defaults(), batchId, i++));
        }
        return new Batch<>(batchId, handles);
    }

    @Override
    public List<BatchResult<?>> fetchResults() {
        return locked(batches::fetch);
    }

    @Override
    public <R> List<BatchResult<R>> fetchResults(long batchId) {
        return locked(() -> batches.fetch(batchId));
    }

    @Override
    public boolean awaitBatch(long batchId, Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            return Waits.awaitLocked(changed, () -> batches.isDone(batchId), timeout.toNanos());
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ callbacks

    @Override
    public int processResults() {
        List<Runnable> batch = locked(callbacks::takePolled);
        batch.forEach(Runnable::run);
        return batch.size();
    }

    @Override
    public int processAllResults() throws InterruptedException {
        int ran = 0;
        while (true) {
            ran += processResults();
            lock.lock();
            try {
                if (callbacks.nonePolled() && endedLocked() == submitted && callbacks.daemonPending == 0) {
                    break;
                }
                if (callbacks.nonePolled()) {
                    changed.await();
                }
            } finally {
                lock.unlock();
            }
        }
        return ran;
    }

    private long endedLocked() {
        return completed + failed + timedOut + cancelled;
    }

    // ------------------------------------------------------------------ a task's way

    /** A queued task goes to a worker (it is put in the worker's outbox; the actions send it). */
    private void sentLocked(PoolTask<?> t, PoolWorker w, PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        t.state = TaskState.RUNNING;
        t.worker = w;
        t.attempts++;
        t.sentAt = System.nanoTime();
        running++;
        w.dispatched++;
        w.inflight.addLast(t);
        w.outbox.addLast(t);
        actions.drain(w);
    }

    /** The next task decided for a worker, in order; null when its outbox is empty. */
    PoolTask<?> nextToSend(PoolWorker w) {
        return locked(w.outbox::pollFirst);
    }

    /** A task that may have run goes back to the front of the queue for another attempt. */
    private void retryLocked(PoolTask<?> t) {
        assert lock.isHeldByCurrentThread();
        requeueFrontLocked(t);
        retried++;
    }

    /** A task back to the front of the queue: it never ran, or is retried. */
    private void requeueFrontLocked(PoolTask<?> t) {
        assert lock.isHeldByCurrentThread();
        t.state = TaskState.QUEUED;
        t.worker = null;
        t.stolen = false;
        queue.addFirst(t);
    }

    /** Sets a task's terminal state once and records what must follow. */
    <R> void endLocked(PoolTask<R> t, TaskState end, Object value, Throwable error, PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        if (t.state.isTerminal()) {
            return;
        }
        t.state = end;
        switch (end) {
            case SUCCEEDED -> completed++;
            case FAILED -> failed++;
            case TIMED_OUT -> timedOut++;
            default -> cancelled++;
        }
        if (t.timeout != null) {
            t.timeout.cancel(false);
        }
        boolean clearing = state == PoolState.CLEARING;
        batches.ended(t, end == TaskState.SUCCEEDED, value, error, clearing);
        Runnable cb = callbacks.forTask(t, end, value, error);
        if (cb != null) {
            if (callbacks.isDaemon()) {
                callbacks.daemonPending++;
                actions.callbacks.add(() -> {
                    try {
                        cb.run();
                    } finally {
                        lock.lock();
                        try {
                            callbacks.daemonPending--;
                            changed.signalAll();
                        } finally {
                            lock.unlock();
                        }
                    }
                });
            } else if (!clearing) {
                callbacks.addPolled(cb);
            }
        }
        actions.completions.add(() -> {
            if (end == TaskState.SUCCEEDED) {
                @SuppressWarnings("unchecked")
                R r = (R) value;
                t.future.complete(r);
            } else {
                t.future.completeExceptionally(error);
            }
        });
        changed.signalAll();
    }

    private void run(PoolActions actions) {
        actions.run(name, callbacks.thread);
    }

    // ------------------------------------------------------------------ dispatch and slots

    /**
     * A new slot takes the lowest index no active slot holds, so that a replacement keeps the
     * kind, options and function override of the worker it replaces (pyworkers keeps a restarted
     * worker's userid). Its name is unique: a retiring holder of the index may still be alive.
     */
    private PoolWorker newWorkerLocked() {
        assert lock.isHeldByCurrentThread();
        int index = 0;
        while (true) {
            boolean taken = false;
            for (PoolWorker w : workers) {
                if (w.index == index && w.state.isActive()) {
                    taken = true;
                    break;
                }
            }
            if (!taken) {
                break;
            }
            index++;
        }
        int seq = nextWorkerSeq++;
        String workerName = name + "-" + index + (seq == index ? "" : "." + seq);
        WorkerType type = options.workerTypes().get(index % options.workerTypes().size());
        PoolWorker w = new PoolWorker(this, index, type, options.workerOptions(index).toBuilder().name(workerName)
                .systemProperty(CurrentWorker.POOL_INDEX_PROPERTY, Integer.toString(index)).build());
        workers.add(w);
        workersStarted++;
        return w;
    }

    /** Hands queued tasks to workers with room, and grows the pool if the queue still waits. */
    private void dispatchLocked(PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        assignLocked(actions);
        boolean mayGrow = !state.isShutdown() && System.nanoTime() - spawnBackoffUntil >= 0;
        if (!queue.isEmpty() && mayGrow) {
            int wanted = policy.toStart(queue.size(), workers);
            for (int i = 0; i < wanted; i++) {
                actions.spawn.add(newWorkerLocked());
            }
            if (wanted > 0) {
                assignLocked(actions); // a starting worker takes its first task on its stdin
            }
        }
        if (mayGrow) {
            for (int i = DispatchPolicy.active(workers); i < options.minWorkers(); i++) {
                actions.spawn.add(newWorkerLocked());
            }
        }
        retireIfDoneLocked(actions);
    }

    /** Hands queued tasks to the workers the policy picks; recalls waiting tasks if none are queued. */
    private void assignLocked(PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        boolean canGrow = DispatchPolicy.active(workers) < options.maxWorkers();
        long now = System.nanoTime();
        if (queue.isEmpty()) {
            for (PoolTask<?> t : policy.toRecall(workers, now)) {
                t.stolen = true;
                PoolWorker w = t.worker;
                actions.cancels.add(() -> w.engine().recall(t.id));
            }
        }
        while (!queue.isEmpty()) {
            PoolWorker best = policy.choose(queue.peekFirst(), workers, canGrow, now);
            if (best == null) {
                return;
            }
            sentLocked(queue.removeFirst(), best, actions);
            changed.signalAll(); // room in the queue for blocked submitters
        }
    }

    /** Tasks not yet running: queued, or waiting in a worker behind the one it runs. */
    private long waitingLocked() {
        long waiting = queue.size();
        for (PoolWorker w : workers) {
            waiting += Math.max(0, w.inflight.size() - 1);
        }
        return waiting;
    }

    /**
     * Retires a worker on purpose (task or memory limit, idle, restart): it takes no more tasks,
     * answers those it has, and exits; replacements come from {@link #dispatchLocked}.
     *
     * @return whether it was active until now
     */
    private boolean retireLocked(PoolWorker w, PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        if (!w.state.isActive()) {
            return false;
        }
        w.state = SlotState.RETIRING;
        workersRecycled++;
        actions.endInput.add(w);
        return true;
    }

    /** Stops a worker (interrupt, SIGTERM, SIGKILL): a timeout, a stuck cancel, a shutdown now. */
    private void stopLocked(PoolWorker w, PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        w.state = SlotState.STOPPING;
        actions.stop.add(w);
    }

    /** After shutdown: workers with nothing left to do are told to exit. */
    private void retireIfDoneLocked(PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        if (!state.isShutdown() || !queue.isEmpty()) {
            return;
        }
        for (PoolWorker w : workers) {
            if (w.state.isActive() && w.inflight.isEmpty()) {
                w.state = SlotState.RETIRING;
                actions.endInput.add(w);
            }
        }
        checkTerminatedLocked();
    }

    private void checkTerminatedLocked() {
        assert lock.isHeldByCurrentThread();
        if (state.isShutdown() && state != PoolState.TERMINATED && workers.isEmpty() && queue.isEmpty()
                && running == 0) {
            state = PoolState.TERMINATED;
            maintenance.cancel(false);
            if (callbacks.thread != null) {
                callbacks.thread.shutdown();
            }
            changed.signalAll();
        }
    }

    /** Periodically: retire workers idle above the minimum; grow again after a start back-off. */
    private void maintain() {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            dispatchLocked(actions);
            long now = System.nanoTime();
            int active = DispatchPolicy.active(workers);
            for (PoolWorker w : workers) {
                if (active > options.minWorkers() && DispatchPolicy.idleTooLong(w, now, options.idleTimeout().toNanos())
                        && retireLocked(w, actions)) {
                    active--;
                }
            }
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    // ------------------------------------------------------------------ slot events

    /** A slot is about to start its engine: false if it was stopped before (then it is dropped). */
    boolean slotStarting(PoolWorker w) {
        lock.lock();
        try {
            if (w.state == SlotState.STOPPING) {
                workers.remove(w);
                w.state = SlotState.EXITED;
                requeueNeverStartedLocked(w);
                checkTerminatedLocked();
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean isRetiring(PoolWorker w) {
        return locked(() -> w.state == SlotState.RETIRING);
    }

    /** The slot's thread runs, or its child JVM connected back. */
    void ready(PoolWorker w) {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            if (w.state == SlotState.STARTING) {
                w.state = SlotState.READY;
            }
            w.idleSince = System.nanoTime();
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    /** One response of a worker. */
    record Response(long callId, Object value, byte kind, Throwable error) {
    }

    /** Handles a burst of one worker's responses under one lock, then sends what follows at once. */
    void answered(PoolWorker w, List<Response> responses) {
        PoolActions actions = new PoolActions();
        // measured before the outcomes are released, so no next task can reach a bloated worker
        boolean overMemory = options.memoryLimitBytes() > 0 && w.type == WorkerType.PROCESS
                && residentBytes(w.pid()) > options.memoryLimitBytes();
        lock.lock();
        try {
            long now = System.nanoTime();
            for (Response r : responses) {
                answeredLocked(w, r, now, actions);
            }
            if (w.inflight.isEmpty()) {
                w.idleSince = System.nanoTime();
            }
            if (overMemory || options.maxTasksPerWorker() > 0 && w.tasksDone >= options.maxTasksPerWorker()) {
                retireLocked(w, actions);
            }
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    private void answeredLocked(PoolWorker w, Response r, long now, PoolActions actions) {
        PoolTask<?> t = w.removeInflight(r.callId);
        if (t == null) {
            return; // already ended by a timeout, and its worker is going
        }
        running--;
        w.tasksDone++;
        w.served(t, now);
        if (t.stolen && !t.state.isTerminal() && r.kind == Frames.ERR_CANCELLED) {
            t.stolen = false; // it never ran there: it goes to a worker that is free
            t.attempts--;
            requeueFrontLocked(t);
            return;
        }
        t.stolen = false;
        if (r.error != null) {
            w.tasksFailed++;
        }
        if (!t.state.isTerminal()) {
            if (r.error == null) {
                endLocked(t, TaskState.SUCCEEDED, r.value, null, actions);
            } else if (r.kind == Frames.ERR_CANCELLED) {
                endLocked(t, TaskState.CANCELLED, null, new CancellationException("task " + t.id + " was cancelled"),
                        actions);
            } else {
                endLocked(t, TaskState.FAILED, null, new TaskFailedException(w.name(), w.pid(), r.error), actions);
            }
        }
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

    /** The slot's engine ended, for whatever reason: its tasks end, are retried or go back. */
    void exited(PoolWorker w, ExitInfo info) {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            if (!workers.remove(w)) {
                return;
            }
            SlotState was = w.state;
            w.state = SlotState.EXITED;
            if (was.isActive()) {
                workersDied++;
            }
            if (was == SlotState.STARTING) {
                // a start that fails is likely to fail again: do not spin on it
                spawnBackoffUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            }
            if (w.startFailure != null) {
                // it never started (e.g. a remote server that refused or was gone): nothing it was
                // given ran or even left this JVM, so it all goes back without costing an attempt
                requeueNeverStartedLocked(w);
            }
            if (!w.inflight.isEmpty()) {
                PoolTask<?> first = w.inflight.pollFirst();
                running--;
                if (!first.state.isTerminal()) {
                    RuntimeException death = was == SlotState.STOPPING && state.isShutdown()
                            ? new CancellationException("the pool was shut down now")
                            : new WorkerDiedException(w.name(), w.pid(), info.how(), info.exitCode(), info.signal(),
                                    info.stderrTail(), info.cause());
                    if (death instanceof WorkerDiedException && first.attempts <= first.options.retriesOnWorkerDeath()) {
                        retryLocked(first);
                    } else {
                        endLocked(first, death instanceof CancellationException ? TaskState.CANCELLED : TaskState.FAILED,
                                null, death, actions);
                    }
                }
                // the rest never started: back to the front of the queue, in order
                requeueNeverStartedLocked(w);
            }
            w.outbox.clear();
            if (w.startFailure != null && workers.isEmpty() && !queue.isEmpty()) {
                // nobody can run the queue: fail it rather than retry a start that cannot work
                while (!queue.isEmpty()) {
                    endLocked(queue.pollFirst(), TaskState.FAILED, null, new ProcpoolException(
                            "pool '" + name + "' cannot start a worker: " + w.startFailure.getMessage(), w.startFailure),
                            actions);
                }
            } else {
                dispatchLocked(actions);
            }
            retireIfDoneLocked(actions);
            checkTerminatedLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    /** Puts a slot's in-flight tasks back at the front of the queue, in order, without costing an attempt. */
    private void requeueNeverStartedLocked(PoolWorker w) {
        assert lock.isHeldByCurrentThread();
        List<PoolTask<?>> rest = new ArrayList<>(w.inflight);
        w.inflight.clear();
        for (int i = rest.size() - 1; i >= 0; i--) {
            PoolTask<?> t = rest.get(i);
            running--;
            if (!t.state.isTerminal()) {
                t.attempts--;
                requeueFrontLocked(t);
            }
        }
    }

    /** A task's deadline passed: its worker is stopped, and the task is retried or times out. */
    void timedOut(PoolTask<?> t, PoolWorker w) {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            if (t.state.isTerminal() || t.worker != w || w.removeInflight(t.id) == null) {
                return;
            }
            running--;
            workersDied++;
            if (t.attempts <= t.options.retriesOnTimeout()) {
                retryLocked(t);
            } else {
                endLocked(t, TaskState.TIMED_OUT, null, new TaskTimeoutException(t.id, w.name(),
                        t.options.timeout().orElseThrow(), t.attempts), actions);
            }
            stopLocked(w, actions);
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    boolean cancel(PoolTask<?> t) {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            if (t.state.isTerminal()) {
                return false;
            }
            PoolWorker w = t.worker;
            if (t.state == TaskState.QUEUED) {
                queue.remove(t);
            }
            endLocked(t, TaskState.CANCELLED, null, new CancellationException("task " + t.id + " was cancelled"),
                    actions);
            if (w != null) {
                actions.cancels.add(() -> {
                    Engine e = w.engine();
                    if (e != null) {
                        e.cancel(t.id); // else it was never sent: its answer will be ignored
                    }
                    // a task that ignores the interrupt gets its worker stopped after the grace
                    Controller.get().timer().schedule(() -> stopIfStillRunning(t, w),
                            Math.max(1, options.grace().toMillis()), TimeUnit.MILLISECONDS);
                });
            }
        } finally {
            lock.unlock();
        }
        run(actions);
        return true;
    }

    private void stopIfStillRunning(PoolTask<?> t, PoolWorker w) {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            if (w.inflight.peekFirst() != t || w.state == SlotState.STOPPING || w.state == SlotState.EXITED) {
                return;
            }
            stopLocked(w, actions);
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    // ------------------------------------------------------------------ status

    @Override
    public boolean hasFreeSlots() {
        lock.lock();
        try {
            if (state.isShutdown()) {
                return false;
            }
            for (PoolWorker w : workers) {
                if (w.state == SlotState.READY && w.inflight.isEmpty()) {
                    return true;
                }
            }
            return DispatchPolicy.active(workers) < options.maxWorkers();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isFull() {
        return locked(() -> waitingLocked() >= options.queueCapacity());
    }

    @Override
    public PoolStats stats() {
        return locked(() -> new PoolStats(submitted, queue.size(), running, completed, failed, timedOut, cancelled,
                retried, workersStarted, workersRecycled, workersDied, workers.size()));
    }

    /** A snapshot of every slot, in index order of creation. */
    List<WorkerSnapshot> workerSnapshots() {
        return locked(() -> workers.stream().map(PoolWorker::snapshot).toList());
    }

    /** Reads state under the lock; for the one-line getters. */
    private <T> T locked(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        PoolState s = locked(() -> state);
        return "Pool{" + name + (s == PoolState.TERMINATED ? ", terminated" : s.isShutdown() ? ", shutting down" : "")
                + ", " + stats() + "}";
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void restartWorkers() {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            for (PoolWorker w : workers) {
                retireLocked(w, actions);
            }
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    /** RUNNING → SHUTTING_DOWN (or CLEARING); no change once shut down, except into CLEARING. */
    private void shutdownLocked(boolean clear) {
        assert lock.isHeldByCurrentThread();
        if (state == PoolState.RUNNING) {
            state = PoolState.SHUTTING_DOWN;
        }
        if (clear) {
            if (state == PoolState.SHUTTING_DOWN) {
                state = PoolState.CLEARING;
            }
            batches.clear();
            callbacks.clear();
        }
        changed.signalAll();
    }

    @Override
    public void shutdown() {
        shutdown(false);
    }

    private void shutdown(boolean clear) {
        PoolActions actions = new PoolActions();
        lock.lock();
        try {
            shutdownLocked(clear);
            dispatchLocked(actions);
            checkTerminatedLocked();
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    @Override
    public void shutdownClear() {
        shutdown(true);
    }

    @Override
    public List<Task<?>> shutdownNow() {
        PoolActions actions = new PoolActions();
        List<Task<?>> neverStarted = new ArrayList<>();
        lock.lock();
        try {
            shutdownLocked(false);
            while (!queue.isEmpty()) {
                PoolTask<?> t = queue.pollFirst();
                neverStarted.add(t.task);
                endLocked(t, TaskState.CANCELLED, null, new CancellationException(
                        "pool '" + name + "' was shut down before the task started"), actions);
            }
            for (PoolWorker w : workers) {
                boolean first = true;
                for (PoolTask<?> t : w.inflight) {
                    if (!first && !t.state.isTerminal()) {
                        neverStarted.add(t.task); // waiting behind the running one: never started
                    }
                    first = false;
                    endLocked(t, TaskState.CANCELLED, null, new CancellationException(
                            "pool '" + name + "' was shut down now; the task's worker was stopped"), actions);
                }
                if (w.state != SlotState.STOPPING) {
                    stopLocked(w, actions);
                }
            }
            checkTerminatedLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        run(actions);
        return neverStarted;
    }

    @Override
    public boolean isShutdown() {
        return locked(() -> state.isShutdown());
    }

    @Override
    public boolean isTerminated() {
        return locked(() -> state == PoolState.TERMINATED);
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            return Waits.awaitLocked(changed, () -> state == PoolState.TERMINATED, timeout.toNanos());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            if (Waits.awaitLocked(changed, () -> endedLocked() == submitted, timeout.toNanos())) {
                return true;
            }
        } finally {
            lock.unlock();
        }
        shutdownNow();
        return false;
    }

    @Override
    public void close() {
        shutdown();
        try {
            if (!awaitTermination(options.closeTimeout())) {
                shutdownNow();
                awaitTermination(Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
