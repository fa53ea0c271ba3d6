package dev.procpool.internal;

import dev.procpool.Batch;
import dev.procpool.BatchResult;
import dev.procpool.FailureContext;
import dev.procpool.PoolOptions;
import dev.procpool.PoolStats;
import dev.procpool.RejectionPolicy;
import dev.procpool.Task;
import dev.procpool.TaskFunction;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskRejectedException;
import dev.procpool.TaskState;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.status.PoolStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link dev.procpool.Pool}: the user's side of it (submit, batches, polled callbacks, status,
 * shutdown and waits). The state and what moves it live in {@link PoolCore}; the operations built
 * on {@code submit} (map, invoke*) in {@link AbstractPool}. Each method here that changes
 * something takes the core's lock once, decides, and runs the resulting {@link PoolActions} after
 * releasing it.
 */
public final class PoolImpl extends AbstractPool {
    private static final AtomicLong POOL_IDS = new AtomicLong();

    private final PoolCore core;
    /** Whether tasks are encoded to bytes (some worker is a process or remote) or passed by reference. */
    private final boolean anyProcess;
    /** Every worker's codec (the options refuse a pool that mixes codecs): a task is encoded once, on submit. */
    private final dev.procpool.Codec codec;

    private PoolImpl(PoolOptions options) {
        long id = POOL_IDS.incrementAndGet();
        this.core = new PoolCore(options, options.name().equals("pool") ? "pool" + id : options.name());
        this.anyProcess = options.workerTypes().contains(WorkerType.PROCESS)
                || options.workerTypes().contains(WorkerType.REMOTE);
        this.codec = options.workerOptions(0).codec();
    }

    /** Creates the pool and starts its minimum workers; fails if one of them cannot start. */
    public static PoolImpl create(PoolOptions options) throws WorkerStartException {
        PoolImpl pool = new PoolImpl(options);
        PoolCore core = pool.core;
        List<PoolWorker> started = new ArrayList<>();
        core.lock.lock();
        try {
            for (int i = 0; i < options.minWorkers(); i++) {
                started.add(core.newWorkerLocked());
            }
        } finally {
            core.lock.unlock();
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

    @Override
    int maxWorkers() {
        return core.options.maxWorkers();
    }

    @Override
    Map<Integer, TaskFunction<?, ?>> functionOverrides() {
        return core.options.functionOverrides();
    }

    // ------------------------------------------------------------------ submit

    @Override
    public <R> TaskHandle<R> submit(Task<R> task, TaskOptions<? super R> taskOptions) {
        return submit(task, taskOptions, -1, -1);
    }

    private <R> PoolTask<R> submit(Task<R> task, TaskOptions<? super R> taskOptions, long batchId, int index) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(taskOptions, "options");
        PoolOptions options = core.options;
        // encoded before taking the lock: user serialization code never runs under it. Only a pool
        // that may send it to a process encodes it; thread workers take the task object itself.
        Object encoded = anyProcess ? ProcessEngine.prepare(codec, "task "
                + PoolExecutorService.describe(task) + " (this pool may run it on a process worker)", task) : null;
        PoolActions actions = new PoolActions(PoolActions.Origin.USER);
        PoolTask<R> t;
        core.lock.lock();
        try {
            while (true) {
                if (core.state.isShutdown()) {
                    throw new TaskRejectedException("pool '" + core.name + "' is shut down");
                }
                if (core.waitingLocked() < options.queueCapacity()) {
                    break;
                }
                if (options.rejectionPolicy() == RejectionPolicy.ABORT) {
                    throw new TaskRejectedException("pool '" + core.name + "' is full: " + core.waitingLocked()
                            + " tasks wait for a worker (capacity " + options.queueCapacity() + ")");
                }
                if (options.rejectionPolicy() == RejectionPolicy.CALLER_RUNS) {
                    t = new PoolTask<>(core, ++core.nextTaskId, task, null, taskOptions, batchId, index);
                    core.submitted++;
                    core.running++;
                    core.batches.track(t);
                    core.lock.unlock();
                    try {
                        runInCaller(t);
                    } finally {
                        core.lock.lock();
                    }
                    return t;
                }
                core.changed.awaitUninterruptibly();
            }
            t = new PoolTask<>(core, ++core.nextTaskId, task, encoded, taskOptions, batchId, index);
            core.queuedLocked(t);
            core.dispatchLocked(actions);
        } finally {
            core.lock.unlock();
        }
        core.run(actions);
        return t;
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
        PoolActions actions = new PoolActions(PoolActions.Origin.USER);
        core.lock.lock();
        try {
            core.running--;
            if (error == null) {
                core.endLocked(t, TaskState.SUCCEEDED, value, null, actions);
            } else {
                core.endLocked(t, TaskState.FAILED, null, FailureContext.attach(error,
                        new FailureContext(t.id, "caller", ProcessHandle.current().pid(), 1)), actions);
            }
        } finally {
            core.lock.unlock();
        }
        core.run(actions);
    }

    @Override
    public <R> Batch<R> submitBatch(List<? extends Task<R>> tasks) {
        long batchId = core.locked(core.batches::open);
        List<TaskHandle<R>> handles = new ArrayList<>(tasks.size());
        int i = 0;
        for (Task<R> task : tasks) {
            handles.add(submit(task, TaskOptions.defaults(), batchId, i++));
        }
        return new Batch<>(batchId, handles);
    }

    @Override
    public List<BatchResult<?>> fetchResults() {
        return core.locked(core.batches::fetch);
    }

    @Override
    public <R> List<BatchResult<R>> fetchResults(long batchId) {
        return core.locked(() -> core.batches.fetch(batchId));
    }

    @Override
    public boolean awaitBatch(long batchId, Duration timeout) throws InterruptedException {
        core.lock.lock();
        try {
            return Waits.awaitLocked(core.changed, () -> core.batches.isDone(batchId), timeout.toNanos());
        } finally {
            core.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ cancel

    /** How a cancel treats a task that may be running; a queued task never runs in any of them. */
    enum CancelMode {
        /** {@link TaskHandle#cancel()}: interrupt; stop the worker if the task ignores that for the grace. */
        INTERRUPT_THEN_STOP,
        /**
         * {@code future.cancel(true)}: a thread is interrupted (then stopped as above); a process or
         * remote worker running it is stopped at once and replaced.
         */
        STOP_RUNNING,
        /** {@code future.cancel(false)}: a task that already runs goes on; its outcome is dropped. */
        LET_RUN
    }

    /** Cancels a task: dropped from the queue, or stopped in its worker per {@code mode}. */
    static boolean cancel(PoolCore core, PoolTask<?> t, CancelMode mode) {
        PoolActions actions = new PoolActions(PoolActions.Origin.USER);
        core.lock.lock();
        try {
            if (t.state.isTerminal()) {
                return false;
            }
            PoolWorker w = t.worker;
            if (t.state == TaskState.QUEUED) {
                core.queue.remove(t);
            }
            core.endLocked(t, TaskState.CANCELLED, null, new CancellationException("task " + t.id + " was cancelled"),
                    actions);
            if (w != null) {
                boolean head = w.inflight.peekFirst() == t;
                if (mode == CancelMode.LET_RUN) {
                    // withdrawn if it still waits in the worker; left alone if it runs
                    actions.cancels.add(() -> {
                        Engine e = w.engine();
                        if (e != null) {
                            e.recall(t.id);
                        }
                    });
                } else if (mode == CancelMode.STOP_RUNNING && head && w.type != WorkerType.THREAD) {
                    if (w.state != SlotState.STOPPING && w.state != SlotState.EXITED) {
                        core.stopLocked(w, actions); // what waited behind it goes back to the queue
                        core.dispatchLocked(actions);
                    }
                } else {
                    actions.cancels.add(() -> {
                        Engine e = w.engine();
                        if (e != null) {
                            e.cancel(t.id); // else it was never sent: its answer will be ignored
                        }
                        // a task that ignores the interrupt gets its worker stopped after the grace
                        Controller.get().timer().schedule(() -> core.stopIfStillRunning(t, w),
                                Math.max(1, core.options.grace().toMillis()), TimeUnit.MILLISECONDS);
                    });
                }
            }
        } finally {
            core.lock.unlock();
        }
        core.run(actions);
        return true;
    }

    // ------------------------------------------------------------------ callbacks

    @Override
    public int processResults() {
        List<Runnable> batch = core.locked(core.callbacks::takePolled);
        batch.forEach(Runnable::run);
        return batch.size();
    }

    @Override
    public int processAllResults() throws InterruptedException {
        int ran = 0;
        while (true) {
            ran += processResults();
            core.lock.lock();
            try {
                if (core.callbacks.nonePolled() && core.endedLocked() == core.submitted
                        && core.callbacks.daemonPending == 0) {
                    break;
                }
                if (core.callbacks.nonePolled()) {
                    core.changed.await();
                }
            } finally {
                core.lock.unlock();
            }
        }
        return ran;
    }

    // ------------------------------------------------------------------ status

    @Override
    public boolean hasFreeSlots() {
        return core.locked(() -> {
            if (core.state.isShutdown()) {
                return false;
            }
            for (PoolWorker w : core.workers) {
                if (w.state == SlotState.READY && w.inflight.isEmpty()) {
                    return true;
                }
            }
            return DispatchPolicy.active(core.workers) < core.options.maxWorkers();
        });
    }

    @Override
    public boolean isFull() {
        return core.locked(() -> core.waitingLocked() >= core.options.queueCapacity());
    }

    @Override
    public PoolStats stats() {
        return core.locked(core::statsLocked);
    }

    @Override
    public List<dev.procpool.PooledWorker> workers() {
        return core.locked(() -> core.workers.stream().filter(w -> w.state != SlotState.EXITED)
                .<dev.procpool.PooledWorker>map(w -> new PoolWorkerHandle(core, w)).toList());
    }

    @Override
    public PoolStatus status() {
        return core.telemetry.snapshot(stats());
    }

    /** A snapshot of every slot, in the order they were created. */
    List<WorkerSnapshot> workerSnapshots() {
        return core.locked(() -> core.workers.stream().map(PoolWorker::snapshot).toList());
    }

    @Override
    public String toString() {
        PoolState s = core.locked(() -> core.state);
        return "Pool{" + core.name + (s == PoolState.TERMINATED ? ", terminated" : s.isShutdown() ? ", shutting down" : "")
                + ", " + stats() + "}";
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void restartWorkers() {
        PoolActions actions = new PoolActions(PoolActions.Origin.USER);
        core.lock.lock();
        try {
            for (PoolWorker w : core.workers) {
                core.retireLocked(w, actions);
            }
            core.dispatchLocked(actions);
        } finally {
            core.lock.unlock();
        }
        core.run(actions);
    }

    @Override
    public void shutdown() {
        shutdown(false);
    }

    @Override
    public void shutdownClear() {
        shutdown(true);
    }

    private void shutdown(boolean clear) {
        PoolActions actions = new PoolActions(PoolActions.Origin.USER);
        core.lock.lock();
        try {
            core.shutdownLocked(clear);
            core.dispatchLocked(actions);
            core.checkTerminatedLocked();
        } finally {
            core.lock.unlock();
        }
        core.run(actions);
    }

    @Override
    public List<Task<?>> shutdownNow() {
        PoolActions actions = new PoolActions(PoolActions.Origin.USER);
        List<Task<?>> neverStarted = new ArrayList<>();
        String name = core.name;
        core.lock.lock();
        try {
            core.shutdownLocked(false);
            while (!core.queue.isEmpty()) {
                PoolTask<?> t = core.queue.pollFirst();
                neverStarted.add(t.task);
                core.endLocked(t, TaskState.CANCELLED, null, new CancellationException(
                        "pool '" + name + "' was shut down before the task started"), actions);
            }
            for (PoolWorker w : core.workers) {
                boolean first = true;
                for (PoolTask<?> t : w.inflight) {
                    if (!first && !t.state.isTerminal()) {
                        neverStarted.add(t.task); // waiting behind the running one: never started
                    }
                    first = false;
                    core.endLocked(t, TaskState.CANCELLED, null, new CancellationException(
                            "pool '" + name + "' was shut down now; the task's worker was stopped"), actions);
                }
                if (w.state != SlotState.STOPPING) {
                    core.stopLocked(w, actions);
                }
            }
            core.checkTerminatedLocked();
            core.changed.signalAll();
        } finally {
            core.lock.unlock();
        }
        core.run(actions);
        return neverStarted;
    }

    @Override
    public boolean isShutdown() {
        return core.locked(() -> core.state.isShutdown());
    }

    @Override
    public boolean isTerminated() {
        return core.locked(() -> core.state == PoolState.TERMINATED);
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        core.lock.lock();
        try {
            return Waits.awaitLocked(core.changed, () -> core.state == PoolState.TERMINATED, timeout.toNanos());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        core.lock.lock();
        try {
            if (Waits.awaitLocked(core.changed, () -> core.endedLocked() == core.submitted, timeout.toNanos())) {
                return true;
            }
        } finally {
            core.lock.unlock();
        }
        shutdownNow();
        return false;
    }

    @Override
    public void close() {
        shutdown();
        try {
            if (!awaitTermination(core.options.closeTimeout())) {
                shutdownNow();
                awaitTermination(Duration.ofSeconds(30));
            }
        } catch (InterruptedException e) {
            shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
