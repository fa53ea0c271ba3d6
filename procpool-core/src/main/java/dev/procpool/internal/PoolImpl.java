package dev.procpool.internal;

import dev.procpool.Batch;
import dev.procpool.BatchResult;
import dev.procpool.CallbackMode;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.PoolStats;
import dev.procpool.internal.status.PoolTelemetry;
import dev.procpool.status.PoolStatus;
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
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.internal.protocol.Frames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool engine.
 *
 * <p>Maintainer notes. One lock, {@code lock}, guards the queue, the workers and their in-flight
 * lists, the counters and the batch results. Every event (a submit, a response, a worker's exit, a
 * timeout, a cancel) takes the lock, decides, and records what to do in an {@link Actions}; the
 * actions (sending frames, spawning and stopping processes, completing futures, running
 * callbacks) run after the lock is released. Frames to one worker go through its outbox under its
 * own send lock, so they leave in the order they were decided.
 *
 * <p>Dispatch ({@link #assignLocked}): a task goes to an idle worker; a starting worker takes one
 * untimed task (its stdin preload); the pool grows while it may. Only when it cannot grow is an
 * untimed task pipelined behind others, up to {@link #PIPELINE}, on a worker whose recent tasks
 * were quick. A timed task only goes to a worker with nothing in flight, and nothing is queued
 * behind it, so its clock starts when it starts and killing its worker at the deadline harms no
 * other task.
 *
 * <p>Exactly-once ending: a task leaves the queue only for one worker's in-flight list; it leaves
 * that list by its response, its timeout, or its worker's exit. At the exit, the first task in
 * flight is the one that may have run (the worker runs them in order): it fails or is retried per
 * its options; the others never started and go back to the front of the queue. A task's terminal
 * state is set once, under the lock ({@link PTask#end}); later responses for it are ignored.
 */
public final class PoolImpl implements Pool {
    private static final Logger LOG = LoggerFactory.getLogger(PoolImpl.class);
    private static final AtomicLong POOL_IDS = new AtomicLong();
    /** Untimed tasks in flight per worker: enough to hide a round trip, few enough to rebalance. */
    static final int PIPELINE = 16;
    /** Below this average time per task, a worker's tasks are pipelined. */
    static final long QUICK_TASK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /**
     * Per I/O thread of a process worker: workers whose frames were appended while handling
     * responses and await one write at {@code readIdle}. Null on other threads (they write at once).
     */
    private static final ThreadLocal<List<PWorker>> DEFERRED_FLUSHES = new ThreadLocal<>();

    private final PoolOptions options;
    private final String name;
    private final boolean anyProcess;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ClassLoader loader;
    private final ExecutorService callbackThread;
    private final ScheduledFuture<?> maintenance;
    private final PoolTelemetry telemetry;

    // guarded by lock
    private final ArrayDeque<PTask<?>> queue = new ArrayDeque<>();
    private final List<PWorker> workers = new ArrayList<>();
    private final ArrayDeque<BatchResult<?>> unfetched = new ArrayDeque<>();
    private final Map<Long, int[]> batchRemaining = new HashMap<>();
    private final ArrayDeque<Runnable> pendingCallbacks = new ArrayDeque<>();
    private int nextWorkerIndex;
    private long dispatchedTotal;
    private long nextTaskId;
    private long nextBatchId;
    private boolean shutdown;
    /** After {@link #shutdownClear()}: results of tasks still running are dropped too. */
    private boolean clearing;
    private boolean terminated;
    /** Daemon callbacks decided and not yet run: {@link #processAllResults()} waits for them. */
    private int daemonCallbacksPending;
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
        this.telemetry = new PoolTelemetry(name, "pool");
        this.anyProcess = options.workerTypes().contains(WorkerType.PROCESS)
                || options.workerTypes().contains(WorkerType.REMOTE);
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        this.loader = cl != null ? cl : PoolImpl.class.getClassLoader();
        this.callbackThread = options.callbackMode() == CallbackMode.DAEMON
                ? Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "procpool-callbacks-" + name);
                    t.setDaemon(true);
                    return t;
                })
                : null;
        long period = Math.max(50, Math.min(1000, options.idleTimeout().toMillis() / 4));
        this.maintenance = Controller.get().timer().scheduleWithFixedDelay(this::maintain, period, period,
                TimeUnit.MILLISECONDS);
    }

    /** Creates the pool and starts its minimum workers. */
    public static Pool create(PoolOptions options) throws WorkerStartException {
        PoolImpl pool = new PoolImpl(options);
        List<PWorker> started = new ArrayList<>();
        pool.lock.lock();
        try {
            for (int i = 0; i < options.minWorkers(); i++) {
                started.add(pool.newWorkerLocked());
            }
        } finally {
            pool.lock.unlock();
        }
        for (PWorker w : started) {
            try {
                w.start();
            } catch (WorkerStartException e) {
                pool.shutdownNow();
                throw e;
            }
        }
        return pool;
    }

    // ------------------------------------------------------------------ submit

    @Override
    public <R> TaskHandle<R> submit(Task<R> task) {
        return submit(task, TaskOptions.defaults());
    }

    @Override
    public <R> TaskHandle<R> submit(Task<R> task, TaskOptions<? super R> taskOptions) {
        return submit(task, taskOptions, -1, -1);
    }

    private <R> PTask<R> submit(Task<R> task, TaskOptions<? super R> taskOptions, long batchId, int index) {
        java.util.Objects.requireNonNull(task, "task");
        java.util.Objects.requireNonNull(taskOptions, "options");
        // encoded before taking the lock: user serialization code never runs under it
        Object encoded = anyProcess ? ProcessEngine.prepare(options.workerOptions(0).codec(), "task", task)
                : ThreadEngine.prepare(options.workerOptions(0).codec(), "task", task);
        Actions actions = new Actions();
        PTask<R> t;
        lock.lock();
        try {
            while (true) {
                if (shutdown) {
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
                    t = new PTask<>(this, ++nextTaskId, task, null, taskOptions, batchId, index);
                    submitted++;
                    running++;
                    trackBatchLocked(t);
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
            t = new PTask<>(this, ++nextTaskId, task, encoded, taskOptions, batchId, index);
            submitted++;
            trackBatchLocked(t);
            queue.addLast(t);
            telemetry.taskQueued(t.id);
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        actions.run();
        return t;
    }

    private void trackBatchLocked(PTask<?> t) {
        if (t.batchId >= 0) {
            batchRemaining.computeIfAbsent(t.batchId, k -> new int[1])[0]++;
        }
    }

    /** {@link RejectionPolicy#CALLER_RUNS}: the task runs here, with none of a worker's protection. */
    private <R> void runInCaller(PTask<R> t) {
        t.attempts = 1;
        t.state = TaskState.RUNNING;
        Object value = null;
        Throwable error = null;
        try {
            value = t.task.call();
        } catch (Throwable e) {
            error = e;
        }
        Actions actions = new Actions();
        lock.lock();
        try {
            running--;
            if (error == null) {
                endLocked(t, TaskState.SUCCEEDED, value, null, actions);
            } else {
                endLocked(t, TaskState.FAILED, null, new TaskFailedException("caller", ProcessHandle.current().pid(), error),
                        actions);
            }
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    @Override
    public <R> Batch<R> submitBatch(List<? extends Task<R>> tasks) {
        long batchId;
        lock.lock();
        try {
            batchId = ++nextBatchId;
            batchRemaining.put(batchId, new int[1]);
        } finally {
            lock.unlock();
        }
        List<TaskHandle<R>> handles = new ArrayList<>(tasks.size());
        int i = 0;
        for (Task<R> task : tasks) {
            handles.add(submit(task, TaskOptions.defaults(), batchId, i++));
        }
        return new Batch<>(batchId, handles);
    }

    @Override
    public List<BatchResult<?>> fetchResults() {
        lock.lock();
        try {
            List<BatchResult<?>> out = new ArrayList<>(unfetched);
            unfetched.clear();
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> List<BatchResult<R>> fetchResults(long batchId) {
        lock.lock();
        try {
            List<BatchResult<R>> out = new ArrayList<>();
            for (Iterator<BatchResult<?>> it = unfetched.iterator(); it.hasNext(); ) {
                BatchResult<?> r = it.next();
                if (r.batchId() == batchId) {
                    out.add((BatchResult<R>) r);
                    it.remove();
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean awaitBatch(long batchId, Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            return Waits.awaitLocked(changed, () -> {
                int[] left = batchRemaining.get(batchId);
                return left == null || left[0] == 0;
            }, timeout.toNanos());
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ map and friends

    /** Applies a function to a chunk of inputs in a worker: {@link #map}'s unit of work. */
    static final class Chunk<A, R> implements Task<ArrayList<R>> {
        private static final long serialVersionUID = 1L;
        private final TaskFunction<A, R> function;
        private final HashMap<Integer, TaskFunction<?, ?>> overrides;
        /** Written with the codec's compact forms (see writeObject), not field by field. */
        private transient ArrayList<A> inputs;

        Chunk(TaskFunction<A, R> function, Map<Integer, TaskFunction<?, ?>> overrides, ArrayList<A> inputs) {
            this.function = function;
            this.overrides = overrides.isEmpty() ? null : new HashMap<>(overrides);
            this.inputs = inputs;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ArrayList<R> call() throws Exception {
            TaskFunction<A, R> f = function;
            if (overrides != null) {
                // this worker's own function, if the pool gave it one (pyworkers' per-worker targets)
                TaskFunction<?, ?> own = overrides.get(CurrentWorker.poolIndex());
                if (own != null) {
                    f = (TaskFunction<A, R>) own;
                }
            }
            ArrayList<R> out = new ArrayList<>(inputs.size());
            for (A a : inputs) {
                out.add(f.apply(a));
            }
            return out;
        }

        private void writeObject(java.io.ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(16 + inputs.size() * 5);
            new dev.procpool.JdkCodec().encode(inputs, bytes);
            out.writeInt(bytes.size());
            bytes.writeTo(out);
        }

        @SuppressWarnings("unchecked")
        private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            byte[] bytes = in.readNBytes(in.readInt());
            inputs = (ArrayList<A>) new dev.procpool.JdkCodec().decode(new java.io.ByteArrayInputStream(bytes),
                    Thread.currentThread().getContextClassLoader());
        }
    }

    @Override
    public <A, R> List<R> map(TaskFunction<A, R> function, Collection<? extends A> inputs) throws InterruptedException {
        List<A> all = new ArrayList<>(inputs);
        int chunk = Math.max(1, (int) Math.ceil(all.size() / (options.maxWorkers() * 4.0)));
        List<PTask<ArrayList<R>>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += chunk) {
            ArrayList<A> part = new ArrayList<>(all.subList(from, Math.min(all.size(), from + chunk)));
            chunks.add(submit(new Chunk<>(function, options.functionOverrides(), part), TaskOptions.defaults(), -1, -1));
        }
        List<R> out = new ArrayList<>(all.size());
        RuntimeException first = null;
        for (PTask<ArrayList<R>> c : chunks) {
            try {
                out.addAll(c.future.get());
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException r ? r : new ProcpoolException(e.getCause().toString(), e.getCause());
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return out;
    }

    @Override
    public <A, R> Iterator<TaskHandle<R>> mapUnordered(TaskFunction<A, R> function, Collection<? extends A> inputs) {
        List<TaskHandle<R>> handles = new ArrayList<>(inputs.size());
        for (A a : inputs) {
            handles.add(submit(() -> function.apply(a)));
        }
        return completionOrder(handles);
    }

    @Override
    public <R> Iterator<TaskHandle<R>> completionOrder(Collection<TaskHandle<R>> handles) {
        LinkedBlockingQueue<TaskHandle<R>> done = new LinkedBlockingQueue<>();
        for (TaskHandle<R> h : handles) {
            h.future().whenComplete((v, e) -> done.add(h));
        }
        int total = handles.size();
        return new Iterator<>() {
            private int taken;

            @Override
            public boolean hasNext() {
                return taken < total;
            }

            @Override
            public TaskHandle<R> next() {
                if (taken >= total) {
                    throw new NoSuchElementException();
                }
                try {
                    TaskHandle<R> h = done.take();
                    taken++;
                    return h;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("interrupted while waiting for the next completed task");
                }
            }
        };
    }

    @Override
    public <R> List<TaskHandle<R>> invokeAll(Collection<? extends Task<R>> tasks) throws InterruptedException {
        List<TaskHandle<R>> handles = new ArrayList<>();
        for (Task<R> t : tasks) {
            handles.add(submit(t));
        }
        for (TaskHandle<R> h : handles) {
            try {
                h.future().get();
            } catch (ExecutionException | CancellationException e) {
                // the handle holds the outcome
            }
        }
        return handles;
    }

    @Override
    public <R> R invokeAny(Collection<? extends Task<R>> tasks, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TaskHandle<R>> handles = new ArrayList<>();
        for (Task<R> t : tasks) {
            handles.add(submit(t));
        }
        LinkedBlockingQueue<TaskHandle<R>> done = new LinkedBlockingQueue<>();
        for (TaskHandle<R> h : handles) {
            h.future().whenComplete((v, e) -> done.add(h));
        }
        Throwable last = null;
        try {
            for (int i = 0; i < handles.size(); i++) {
                TaskHandle<R> h = done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (h == null) {
                    throw new TimeoutException("no task succeeded within " + timeout);
                }
                try {
                    return h.future().get();
                } catch (ExecutionException e) {
                    last = e.getCause();
                } catch (CancellationException e) {
                    last = e;
                }
            }
            throw new ExecutionException("no task succeeded; the last failure is the cause", last);
        } finally {
            for (TaskHandle<R> h : handles) {
                h.cancel();
            }
        }
    }

    @Override
    public ExecutorService asExecutorService() {
        return new PoolExecutorService(this);
    }

    // ------------------------------------------------------------------ callbacks

    @Override
    public int processResults() {
        List<Runnable> batch;
        lock.lock();
        try {
            batch = new ArrayList<>(pendingCallbacks);
            pendingCallbacks.clear();
        } finally {
            lock.unlock();
        }
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
                if (pendingCallbacks.isEmpty() && endedLocked() == submitted && daemonCallbacksPending == 0) {
                    break;
                }
                if (pendingCallbacks.isEmpty()) {
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

    /** Task callback first, then the pool's; failures are logged, never propagated. */
    private <R> Runnable callbacksFor(PTask<R> t, TaskState end, Object value, Throwable error) {
        TaskOptions<? super R> o = t.options;
        boolean pool = !o.skipPoolCallbacks() && (end == TaskState.SUCCEEDED ? options.onResult() != null
                : options.onError() != null);
        boolean own = end == TaskState.SUCCEEDED ? o.onResult().isPresent() : o.onError().isPresent();
        if (!pool && !own) {
            return null;
        }
        return () -> {
            try {
                if (end == TaskState.SUCCEEDED) {
                    @SuppressWarnings("unchecked")
                    R r = (R) value;
                    o.onResult().ifPresent(c -> c.accept(r));
                } else {
                    o.onError().ifPresent(c -> c.accept(error));
                }
            } catch (RuntimeException e) {
                LOG.warn("the callback of task {} in pool {} threw; the pool goes on", t.id, name, e);
            }
            if (pool) {
                try {
                    if (end == TaskState.SUCCEEDED) {
                        options.onResult().accept(t, value);
                    } else {
                        options.onError().accept(t, error);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("the pool callback for task {} in pool {} threw; the pool goes on", t.id, name, e);
                }
            }
        };
    }

    // ------------------------------------------------------------------ ending a task

    /** Sets a task's terminal state once and records what must follow. Call with the lock held. */
    private <R> void endLocked(PTask<R> t, TaskState end, Object value, Throwable error, Actions actions) {
        if (t.state.isTerminal()) {
            return;
        }
        t.state = end;
        telemetry.taskEnded(t.id, end, error);
        switch (end) {
            case SUCCEEDED -> completed++;
            case FAILED -> failed++;
            case TIMED_OUT -> timedOut++;
            default -> cancelled++;
        }
        if (t.timeout != null) {
            t.timeout.cancel(false);
        }
        if (t.batchId >= 0) {
            if (!clearing) {
                unfetched.addLast(new BatchResult<>(t.batchId, t.id, t.index, end == TaskState.SUCCEEDED ? value : null,
                        end == TaskState.SUCCEEDED ? null : error));
            }
            int[] left = batchRemaining.get(t.batchId);
            if (left != null) {
                left[0]--;
            }
        }
        Runnable callbacks = callbacksFor(t, end, value, error);
        if (callbacks != null) {
            if (callbackThread != null) {
                daemonCallbacksPending++;
                actions.callbacks.add(() -> {
                    try {
                        callbacks.run();
                    } finally {
                        lock.lock();
                        try {
                            daemonCallbacksPending--;
                            changed.signalAll();
                        } finally {
                            lock.unlock();
                        }
                    }
                });
            } else if (!clearing) {
                pendingCallbacks.addLast(callbacks);
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

    // ------------------------------------------------------------------ dispatch and workers

    /**
     * A new worker takes the lowest index no working worker holds, so that a replacement keeps the
     * kind, options and function override of the worker it replaces (pyworkers keeps a restarted
     * worker's userid). Its name is unique: a retiring holder of the index may still be alive.
     */
    private PWorker newWorkerLocked() {
        int index = 0;
        while (true) {
            boolean taken = false;
            for (PWorker w : workers) {
                if (w.index == index && !w.retiring && !w.condemned) {
                    taken = true;
                    break;
                }
            }
            if (!taken) {
                break;
            }
            index++;
        }
        int seq = nextWorkerIndex++;
        String workerName = name + "-" + index + (seq == index ? "" : "." + seq);
        WorkerType type = options.workerTypes().get(index % options.workerTypes().size());
        PWorker w = new PWorker(index, type, options.workerOptions(index).toBuilder().name(workerName)
                .systemProperty(CurrentWorker.POOL_INDEX_PROPERTY, Integer.toString(index)).build());
        workers.add(w);
        telemetry.workerCreated(workerName, type);
        workersStarted++;
        return w;
    }

    private int activeWorkersLocked() {
        int n = 0;
        for (PWorker w : workers) {
            if (!w.retiring && !w.condemned) {
                n++;
            }
        }
        return n;
    }

    /** Hands queued tasks to workers with room, and grows the pool if the queue still waits. */
    private void dispatchLocked(Actions actions) {
        assignLocked(actions);
        boolean mayGrow = !shutdown && System.nanoTime() - spawnBackoffUntil >= 0;
        if (!queue.isEmpty() && mayGrow) {
            int startingFree = 0;
            for (PWorker w : workers) {
                if (!w.ready && !w.retiring && !w.condemned && w.inflight.isEmpty()) {
                    startingFree++;
                }
            }
            int wanted = Math.min(queue.size() - startingFree, options.maxWorkers() - activeWorkersLocked());
            for (int i = 0; i < wanted; i++) {
                actions.spawn.add(newWorkerLocked());
            }
            if (wanted > 0) {
                assignLocked(actions); // a starting worker takes its first task on its stdin
            }
        }
        if (mayGrow) {
            for (int i = activeWorkersLocked(); i < options.minWorkers(); i++) {
                actions.spawn.add(newWorkerLocked());
            }
        }
        retireIfDoneLocked(actions);
    }

    /**
     * Hands queued tasks to workers: first to idle workers (round the workers, so they share the
     * work), then one untimed task to each starting worker; behind a busy worker only when the pool
     * cannot grow, the task is untimed, and that worker's recent tasks were quick. Slow tasks are
     * thus never queued behind each other while a worker could take them, and the queue's capacity
     * and {@link #shutdownNow()} keep their meaning; quick tasks are pipelined to hide the round
     * trip.
     */
    private void assignLocked(Actions actions) {
        boolean canGrow = activeWorkersLocked() < options.maxWorkers();
        if (queue.isEmpty()) {
            stealLocked(actions);
        }
        while (!queue.isEmpty()) {
            PTask<?> t = queue.peekFirst();
            boolean timed = t.options.timeout().isPresent();
            int n = workers.size();
            int start = n == 0 ? 0 : (int) (dispatchedTotal++ % n);
            PWorker best = null;
            for (int k = 0; k < n && best == null; k++) {
                PWorker w = workers.get((start + k) % n);
                if (w.available() && w.ready && w.inflight.isEmpty()) {
                    best = w;
                }
            }
            for (int k = 0; k < n && best == null && !timed; k++) {
                PWorker w = workers.get((start + k) % n);
                if (w.available() && !w.ready && w.inflight.isEmpty()) {
                    best = w;
                }
            }
            if (best == null && !timed && !canGrow) {
                for (int k = 0; k < n; k++) {
                    PWorker w = workers.get((start + k) % n);
                    if (w.available() && w.ready && w.pipelines() && (best == null || w.inflight.size() < best.inflight.size())) {
                        best = w;
                    }
                }
            }
            if (best == null) {
                return;
            }
            queue.removeFirst();
            t.state = TaskState.RUNNING;
            t.worker = best;
            t.attempts++;
            t.sentAt = System.nanoTime();
            telemetry.taskStarted(t.id, best.name(), t.attempts);
            running++;
            best.dispatched++;
            best.inflight.addLast(t);
            best.outbox.addLast(t);
            actions.drain(best);
            changed.signalAll(); // room in the queue for blocked submitters
        }
    }

    /**
     * When a worker is idle and nothing is queued, asks back the tasks waiting behind a task that
     * turned out slow on another worker: a RECALL for each; the worker answers at once for those
     * that have not started, and they come back to the queue ({@link #answered}); one that did
     * start just finishes there, never interrupted. So a task runs once, and quick tasks do not
     * wait behind a slow one while a worker is free.
     */
    private void stealLocked(Actions actions) {
        boolean someoneIdle = false;
        for (PWorker w : workers) {
            if (w.available() && w.ready && w.inflight.isEmpty()) {
                someoneIdle = true;
                break;
            }
        }
        if (!someoneIdle) {
            return;
        }
        long now = System.nanoTime();
        for (PWorker w : workers) {
            if (w.inflight.size() < 2 || w.condemned) {
                continue;
            }
            PTask<?> head = w.inflight.peekFirst();
            if (now - Math.max(head.sentAt, w.lastAnswerAt) < QUICK_TASK_NANOS) {
                continue;
            }
            boolean first = true;
            for (PTask<?> t : w.inflight) {
                if (!first && !t.stolen && !t.state.isTerminal()) {
                    t.stolen = true;
                    actions.cancels.add(() -> w.engine().recall(t.id));
                }
                first = false;
            }
        }
    }

    /** Tasks not yet running: queued, or waiting in a worker behind the one it runs. */
    private long waitingLocked() {
        long waiting = queue.size();
        for (PWorker w : workers) {
            waiting += Math.max(0, w.inflight.size() - 1);
        }
        return waiting;
    }

    /**
     * Retires a worker on purpose (task or memory limit, idle, restart): it takes no more tasks,
     * answers those it has, and exits; replacements come from {@link #dispatchLocked}.
     *
     * @return whether it was working until now
     */
    private boolean retireLocked(PWorker w, Actions actions) {
        if (w.retiring || w.condemned) {
            return false;
        }
        w.retiring = true;
        telemetry.workerRetiring(w.name());
        workersRecycled++;
        actions.endInput.add(w);
        return true;
    }

    /** After shutdown: workers with nothing left to do are told to exit. */
    private void retireIfDoneLocked(Actions actions) {
        if (!shutdown || !queue.isEmpty()) {
            return;
        }
        for (PWorker w : workers) {
            if (!w.retiring && !w.condemned && w.inflight.isEmpty()) {
                w.retiring = true;
                telemetry.workerRetiring(w.name());
                actions.endInput.add(w);
            }
        }
        checkTerminatedLocked();
    }

    private void checkTerminatedLocked() {
        if (shutdown && !terminated && workers.isEmpty() && queue.isEmpty() && running == 0) {
            terminated = true;
            maintenance.cancel(false);
            if (callbackThread != null) {
                callbackThread.shutdown();
            }
            changed.signalAll();
        }
    }

    /** Periodically: retire workers idle above the minimum; grow again after a start back-off. */
    private void maintain() {
        Actions actions = new Actions();
        lock.lock();
        try {
            dispatchLocked(actions);
            long now = System.nanoTime();
            int active = activeWorkersLocked();
            for (PWorker w : workers) {
                if (active > options.minWorkers() && w.ready && w.inflight.isEmpty()
                        && now - w.idleSince > options.idleTimeout().toNanos() && retireLocked(w, actions)) {
                    active--;
                }
            }
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    // engine events, from each worker's I/O thread

    void ready(PWorker w) {
        Actions actions = new Actions();
        lock.lock();
        try {
            w.ready = true;
            telemetry.workerReady(w.name());
            w.idleSince = System.nanoTime();
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    /** One response of a worker, kept until its I/O thread handles its burst of responses at once. */
    private record Response(long callId, Object value, byte kind, Throwable error) {
    }

    /** Handles a burst of one worker's responses under one lock, then sends what follows at once. */
    void answered(PWorker w, List<Response> responses) {
        Actions actions = new Actions();
        // measured before the outcomes are released, so no next task can reach a bloated worker
        boolean overMemory = options.memoryLimitBytes() > 0 && w.type == WorkerType.PROCESS
                && residentBytes(w.pid()) > options.memoryLimitBytes();
        lock.lock();
        try {
            long now = System.nanoTime();
            for (Response r : responses) {
                PTask<?> t = w.removeInflight(r.callId);
                if (t == null) {
                    continue; // already ended by a timeout, and its worker is going
                }
                running--;
                w.tasksDone++;
                w.served(t, now);
                if (t.stolen && !t.state.isTerminal() && r.kind == Frames.ERR_CANCELLED) {
                    t.stolen = false; // it never ran there: it goes to a worker that is free
                    t.attempts--;
                    requeueFrontLocked(t);
                    continue;
                }
                t.stolen = false;
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
        actions.run();
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

    void exited(PWorker w, ExitInfo info) {
        Actions actions = new Actions();
        lock.lock();
        try {
            if (!workers.remove(w)) {
                return;
            }
            boolean expected = w.retiring && info.clean();
            if (!expected && !w.condemned && !w.retiring) {
                workersDied++;
            }
            if (!w.ready && !w.condemned && !w.retiring) {
                // a start that fails is likely to fail again: do not spin on it
                spawnBackoffUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            }
            if (!w.inflight.isEmpty() && w.startFailure != null) {
                // it never started (e.g. a remote server that refused or was gone): nothing it was
                // given ran or even left this JVM, so it all goes back without costing an attempt
                List<PTask<?>> all = new ArrayList<>(w.inflight);
                w.inflight.clear();
                for (int i = all.size() - 1; i >= 0; i--) {
                    PTask<?> t = all.get(i);
                    running--;
                    if (!t.state.isTerminal()) {
                        t.attempts--;
                        requeueFrontLocked(t);
                    }
                }
            }
            if (!w.inflight.isEmpty()) {
                PTask<?> first = w.inflight.pollFirst();
                running--;
                if (!first.state.isTerminal()) {
                    RuntimeException death = w.condemned && shutdown
                            ? new CancellationException("the pool was shut down now")
                            : new WorkerDiedException(w.name(), w.pid(), info.how(), info.exitCode(), info.signal(),
                                    info.stderrTail(), info.cause());
                    if (death instanceof WorkerDiedException && first.attempts <= first.options.retriesOnWorkerDeath()) {
                        telemetry.retry(first.id, first.attempts, "worker death");
                        requeueFrontLocked(first);
                        retried++;
                    } else {
                        endLocked(first, death instanceof CancellationException ? TaskState.CANCELLED : TaskState.FAILED,
                                null, death, actions);
                    }
                }
                // the rest never started: back to the front of the queue, in order
                List<PTask<?>> rest = new ArrayList<>(w.inflight);
                w.inflight.clear();
                for (int i = rest.size() - 1; i >= 0; i--) {
                    PTask<?> t = rest.get(i);
                    running--;
                    if (!t.state.isTerminal()) {
                        t.attempts--;
                        requeueFrontLocked(t);
                    }
                }
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
            telemetry.workerExited(w.name(), info.how(), expected);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    private void requeueFrontLocked(PTask<?> t) {
        telemetry.taskRequeued(t.id);
        t.state = TaskState.QUEUED;
        t.worker = null;
        t.stolen = false;
        queue.addFirst(t);
    }

    void timedOut(PTask<?> t, PWorker w) {
        Actions actions = new Actions();
        lock.lock();
        try {
            if (t.state.isTerminal() || t.worker != w || w.removeInflight(t.id) == null) {
                return;
            }
            running--;
            w.condemned = true;
            telemetry.timeoutKill(t.id, w.name(), w.pid(), t.options.timeout().orElseThrow());
            telemetry.workerStopping(w.name());
            workersDied++;
            if (t.attempts <= t.options.retriesOnTimeout()) {
                telemetry.retry(t.id, t.attempts, "timeout");
                requeueFrontLocked(t);
                retried++;
            } else {
                endLocked(t, TaskState.TIMED_OUT, null, new TaskTimeoutException(t.id, w.name(),
                        t.options.timeout().orElseThrow(), t.attempts), actions);
            }
            actions.stop.add(w);
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    boolean cancel(PTask<?> t) {
        Actions actions = new Actions();
        lock.lock();
        try {
            if (t.state.isTerminal()) {
                return false;
            }
            if (t.state == TaskState.QUEUED) {
                queue.remove(t);
                endLocked(t, TaskState.CANCELLED, null, new CancellationException("task " + t.id + " was cancelled"),
                        actions);
            } else {
                PWorker w = t.worker;
                endLocked(t, TaskState.CANCELLED, null, new CancellationException("task " + t.id + " was cancelled"),
                        actions);
                if (w != null) {
                    actions.cancels.add(() -> {
                        w.engine().cancel(t.id);
                        // a task that ignores the interrupt gets its worker stopped after the grace
                        Controller.get().timer().schedule(() -> stopIfStillRunning(t, w),
                                Math.max(1, options.grace().toMillis()), TimeUnit.MILLISECONDS);
                    });
                }
            }
        } finally {
            lock.unlock();
        }
        actions.run();
        return true;
    }

    private void stopIfStillRunning(PTask<?> t, PWorker w) {
        Actions actions = new Actions();
        lock.lock();
        try {
            if (w.inflight.peekFirst() != t || w.condemned) {
                return;
            }
            w.condemned = true;
            telemetry.workerStopping(w.name());
            actions.stop.add(w);
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    // ------------------------------------------------------------------ status

    @Override
    public boolean hasFreeSlots() {
        lock.lock();
        try {
            if (shutdown) {
                return false;
            }
            for (PWorker w : workers) {
                if (w.ready && !w.retiring && !w.condemned && w.inflight.isEmpty()) {
                    return true;
                }
            }
            return activeWorkersLocked() < options.maxWorkers();
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
        lock.lock();
        try {
            return new PoolStats(submitted, queue.size(), running, completed, failed, timedOut, cancelled, retried,
                    workersStarted, workersRecycled, workersDied, workers.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PoolStatus status() {
        return telemetry.snapshot(stats());
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
        return "Pool{" + name + (shutdown ? terminated ? ", terminated" : ", shutting down" : "") + ", " + stats() + "}";
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void restartWorkers() {
        Actions actions = new Actions();
        lock.lock();
        try {
            for (PWorker w : workers) {
                retireLocked(w, actions);
            }
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    @Override
    public void shutdown() {
        Actions actions = new Actions();
        lock.lock();
        try {
            shutdown = true;
            changed.signalAll();
            dispatchLocked(actions);
            checkTerminatedLocked();
        } finally {
            lock.unlock();
        }
        actions.run();
    }

    @Override
    public void shutdownClear() {
        lock.lock();
        try {
            clearing = true;
            unfetched.clear();
            pendingCallbacks.clear();
        } finally {
            lock.unlock();
        }
        shutdown();
    }

    @Override
    public List<Task<?>> shutdownNow() {
        Actions actions = new Actions();
        List<Task<?>> neverStarted = new ArrayList<>();
        lock.lock();
        try {
            shutdown = true;
            while (!queue.isEmpty()) {
                PTask<?> t = queue.pollFirst();
                neverStarted.add(t.task);
                endLocked(t, TaskState.CANCELLED, null, new CancellationException(
                        "pool '" + name + "' was shut down before the task started"), actions);
            }
            for (PWorker w : workers) {
                boolean first = true;
                for (PTask<?> t : w.inflight) {
                    if (!first && !t.state.isTerminal()) {
                        neverStarted.add(t.task); // waiting behind the running one: never started
                    }
                    first = false;
                    endLocked(t, TaskState.CANCELLED, null, new CancellationException(
                            "pool '" + name + "' was shut down now; the task's worker was stopped"), actions);
                }
                if (!w.condemned) {
                    w.condemned = true;
                    telemetry.workerStopping(w.name());
                    actions.stop.add(w);
                }
            }
            checkTerminatedLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        actions.run();
        return neverStarted;
    }

    @Override
    public boolean isShutdown() {
        return locked(() -> shutdown);
    }

    @Override
    public boolean isTerminated() {
        return locked(() -> terminated);
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            return Waits.awaitLocked(changed, () -> terminated, timeout.toNanos());
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

    // ------------------------------------------------------------------ actions

    /** What one event decided, done after the lock is released, in this order. */
    private final class Actions {
        final List<Runnable> completions = new ArrayList<>(1);
        final List<Runnable> callbacks = new ArrayList<>(0);
        final List<PWorker> drains = new ArrayList<>(1);
        final List<PWorker> spawn = new ArrayList<>(0);
        final List<PWorker> endInput = new ArrayList<>(0);
        final List<PWorker> stop = new ArrayList<>(0);
        final List<Runnable> cancels = new ArrayList<>(0);

        void drain(PWorker w) {
            if (!drains.contains(w)) {
                drains.add(w);
            }
        }

        void run() {
            for (PWorker w : drains) {
                w.drain();
            }
            cancels.forEach(Runnable::run);
            for (PWorker w : endInput) {
                w.drain();
                Engine e = w.engine();
                if (e != null) {
                    e.endInput(); // else start() sends it
                }
            }
            for (PWorker w : stop) {
                w.stop();
            }
            // callbacks are handed over before futures complete: a slow dependent action of a
            // future must not hold them back
            for (Runnable r : callbacks) {
                try {
                    callbackThread.execute(r);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    r.run(); // the pool terminated meanwhile: run it here rather than drop it
                }
            }
            for (Runnable r : completions) {
                r.run();
            }
            for (PWorker w : spawn) {
                try {
                    w.start();
                } catch (WorkerStartException e) {
                    LOG.warn("pool {} could not start worker {}: {}", name, w.name(), e.getMessage());
                }
            }
        }
    }

    // ------------------------------------------------------------------ a worker of the pool

    /** One worker slot: an engine, and the tasks sent to it in order. */
    final class PWorker implements Engine.Listener {
        final int index;
        final WorkerType type;
        final WorkerOptions workerOptions;
        final ArrayDeque<PTask<?>> inflight = new ArrayDeque<>(); // guarded by the pool lock
        final ArrayDeque<PTask<?>> outbox = new ArrayDeque<>(); // guarded by the pool lock
        private final ReentrantLock sendLock = new ReentrantLock();
        private volatile Engine engine;
        boolean ready;
        boolean retiring;
        boolean condemned;
        long tasksDone;
        long dispatched;
        long lastAnswerAt;
        long serviceNanos;
        long serviceSamples;
        long idleSince = System.nanoTime();
        /** Responses read and not yet handled; confined to the worker's I/O thread. */
        private final List<Response> responses = new ArrayList<>();
        WorkerStartException startFailure;

        PWorker(int index, WorkerType type, WorkerOptions workerOptions) {
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

        /** Whether this worker takes tasks at all. Call with the pool lock held. */
        boolean available() {
            return !retiring && !condemned && (options.maxTasksPerWorker() == 0 || dispatched < options.maxTasksPerWorker());
        }

        /**
         * Whether an untimed task may wait in this worker behind others: there is room, nothing
         * timed is in flight, and its recent tasks were quick (so the wait is short).
         */
        boolean pipelines() {
            if (inflight.size() >= PIPELINE || serviceSamples < 4 || serviceNanos >= QUICK_TASK_NANOS) {
                return false;
            }
            if (inflight.isEmpty()) {
                return true;
            }
            // not behind a timed task, nor behind one that has already run longer than a quick one
            long runningFor = System.nanoTime() - Math.max(inflight.peekFirst().sentAt, lastAnswerAt);
            return inflight.peekLast().options.timeout().isEmpty() && runningFor < QUICK_TASK_NANOS;
        }

        /** Feeds the running average of this worker's time per task. Call with the pool lock held. */
        void served(PTask<?> t, long now) {
            long sample = now - Math.max(t.sentAt, lastAnswerAt);
            lastAnswerAt = now;
            serviceNanos = serviceSamples == 0 ? sample : (serviceNanos * 7 + sample) / 8;
            serviceSamples++;
        }

        PTask<?> removeInflight(long id) {
            for (Iterator<PTask<?>> it = inflight.iterator(); it.hasNext(); ) {
                PTask<?> t = it.next();
                if (t.id == id) {
                    it.remove();
                    return t;
                }
            }
            return null;
        }

        void start() throws WorkerStartException {
            lock.lock();
            try {
                if (condemned) {
                    telemetry.workerExited(name(), "stopped before it was started", true);
                    workers.remove(this); // stopped before it was started: nothing to start
                    checkTerminatedLocked();
                    return;
                }
            } finally {
                lock.unlock();
            }
            Engine e;
            try {
                e = type == WorkerType.THREAD
                        ? new ThreadEngine(name(), workerOptions.codec(), Integer.toString(index), this)
                        : type == WorkerType.REMOTE
                        ? new RemoteEngine(name(), BaseWorker.IDS.incrementAndGet(), workerOptions, loader, this)
                        : new ProcessEngine(name(), BaseWorker.IDS.incrementAndGet(), 1, workerOptions, loader, this);
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
            telemetry.workerStarted(name(), e.pid(), e.host(), e.threadId());
            drain();
            e.initialized();
            boolean retire;
            lock.lock();
            try {
                retire = retiring;
            } finally {
                lock.unlock();
            }
            if (retire) {
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
            List<PWorker> deferred = DEFERRED_FLUSHES.get();
            boolean sent = false;
            sendLock.lock();
            try {
                while (true) {
                    PTask<?> t;
                    lock.lock();
                    try {
                        t = outbox.pollFirst();
                    } finally {
                        lock.unlock();
                    }
                    if (t == null) {
                        break;
                    }
                    e.call(t.id, type == WorkerType.THREAD ? t.task : t.encoded, false);
                    sent = true;
                    t.options.timeout().ifPresent(d -> t.timeout = Controller.get().timer().schedule(
                            () -> timedOut(t, this), d.toNanos(), TimeUnit.NANOSECONDS));
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

        @Override
        public void readIdle(Engine e) {
            handleResponses();
            flushDeferred();
        }

        private void flushDeferred() {
            List<PWorker> deferred = DEFERRED_FLUSHES.get();
            if (deferred == null) {
                return;
            }
            for (PWorker w : deferred) {
                Engine we = w.engine;
                if (we != null) {
                    we.flush();
                }
            }
            deferred.clear();
        }

        /** Interrupt, then SIGTERM after the grace, then SIGKILL after another. */
        void stop() {
            Engine e = engine;
            if (e == null) {
                return;
            }
            e.stop();
            long grace = Math.max(1, options.grace().toMillis());
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

        @Override
        public void ready(Engine e) {
            if (type != WorkerType.THREAD) {
                DEFERRED_FLUSHES.set(new ArrayList<>(2)); // this is the worker's I/O thread
            }
            PoolImpl.this.ready(this);
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
                answered(this, List.of(r));
            }
        }

        private void handleResponses() {
            if (!responses.isEmpty()) {
                List<Response> burst = new ArrayList<>(responses);
                responses.clear();
                answered(this, burst);
            }
        }

        @Override
        public void bye(Engine e, long calls) {
            // the exit follows
        }

        @Override
        public void exited(Engine e, ExitInfo info) {
            handleResponses();
            PoolImpl.this.exited(this, info);
            // this I/O thread ends here: what it decided for other workers must leave now
            flushDeferred();
            DEFERRED_FLUSHES.remove();
        }
    }

    // ------------------------------------------------------------------ a task of the pool

    /** A submitted task: the public handle, and the pool's bookkeeping (guarded by the pool lock). */
    static final class PTask<R> implements TaskHandle<R> {
        final PoolImpl pool;
        final long id;
        final Task<R> task;
        final Object encoded;
        final TaskOptions<? super R> options;
        final long batchId;
        final int index;
        final CompletableFuture<R> future = new CompletableFuture<>();
        volatile TaskState state = TaskState.QUEUED;
        volatile int attempts;
        PWorker worker;
        long sentAt;
        /** Asked back from a busy worker (a CANCEL is on its way); requeued if it never ran there. */
        boolean stolen;
        volatile ScheduledFuture<?> timeout;

        PTask(PoolImpl pool, long id, Task<R> task, Object encoded, TaskOptions<? super R> options, long batchId,
                int index) {
            this.pool = pool;
            this.id = id;
            this.task = task;
            this.encoded = encoded;
            this.options = options;
            this.batchId = batchId;
            this.index = index;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public OptionalLong batchId() {
            return batchId < 0 ? OptionalLong.empty() : OptionalLong.of(batchId);
        }

        @Override
        public TaskState state() {
            return state;
        }

        @Override
        public CompletableFuture<R> future() {
            return future;
        }

        @Override
        public int attempts() {
            return attempts;
        }

        @Override
        public Map<String, String> tags() {
            return options.tags();
        }

        @Override
        public boolean cancel() {
            return pool.cancel(this);
        }

        @Override
        public String toString() {
            return "Task{id=" + id + ", state=" + state + ", attempts=" + attempts
                    + (options.tags().isEmpty() ? "" : ", tags=" + options.tags()) + "}";
        }
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
