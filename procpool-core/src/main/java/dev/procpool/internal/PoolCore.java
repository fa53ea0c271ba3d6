package dev.procpool.internal;

import dev.procpool.PoolOptions;
import dev.procpool.PoolStats;
import dev.procpool.ProcpoolException;
import dev.procpool.FailureContext;
import dev.procpool.TaskState;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerType;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.status.PoolTelemetry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The pool's state and how it moves: the queue, the worker slots, the counters, and the events
 * that move tasks between them. {@link PoolImpl} is the user's side (submit, batches, callbacks,
 * status, shutdown); this is what happens inside.
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
 * {@link #ready}, is stopped in {@link #stopLocked} (for a timeout: {@link #timedOut}), and exits
 * in {@link #exited}.
 *
 * <p>Exactly-once ending: a task leaves the queue only for one worker's in-flight list; it leaves
 * that list by its response, its timeout, or its worker's exit. At the exit, the first task in
 * flight is the one that may have run (the worker runs them in order): it fails or is retried per
 * its options; the others never started and go back to the front of the queue. A task's terminal
 * state is set once, under the lock ({@link #endLocked}); later responses for it are ignored.
 */
final class PoolCore {
    final PoolOptions options;
    final String name;
    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    final ClassLoader loader;
    final DispatchPolicy policy;
    final PoolCallbacks callbacks;
    /** Told of every task and slot event below, for status and JFR; it never changes a decision. */
    final PoolTelemetry telemetry;
    private final ScheduledFuture<?> maintenance;

    // guarded by lock
    final ArrayDeque<PoolTask<?>> queue = new ArrayDeque<>();
    final List<PoolWorker> workers = new ArrayList<>();
    final PoolBatches batches = new PoolBatches();
    PoolState state = PoolState.RUNNING;
    private int nextWorkerSeq;
    long nextTaskId;
    /** No new worker before this (nanoTime): after a worker could not start, or died starting. */
    private long spawnBackoffUntil;
    long submitted;
    long running;
    long completed;
    long failed;
    long timedOut;
    long cancelled;
    long retried;
    long workersStarted;
    long workersRecycled;
    long workersDied;

    PoolCore(PoolOptions options, String name) {
        this.options = options;
        this.name = name;
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        this.loader = cl != null ? cl : PoolCore.class.getClassLoader();
        this.policy = new DispatchPolicy(options.minWorkers(), options.maxWorkers(), options.maxTasksPerWorker());
        this.callbacks = new PoolCallbacks(options, name);
        this.telemetry = new PoolTelemetry(name, "pool");
        long period = Math.max(50, Math.min(1000, options.idleTimeout().toMillis() / 4));
        this.maintenance = Controller.get().timer().scheduleWithFixedDelay(this::maintain, period, period,
                TimeUnit.MILLISECONDS);
    }

    /** A new task joins the queue. */
    void queuedLocked(PoolTask<?> t) {
        assert lock.isHeldByCurrentThread();
        submitted++;
        batches.track(t);
        queue.addLast(t);
        telemetry.taskQueued(t.id);
    }

    long endedLocked() {
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
        telemetry.taskStarted(t.id, w.name(), t.attempts);
        running++;
        w.dispatched++;
        w.inflight.addLast(t);
        w.outbox.add(t);
        actions.drain(w);
    }

    /** A task that may have run goes back to the front of the queue for another attempt. */
    private void retryLocked(PoolTask<?> t) {
        assert lock.isHeldByCurrentThread();
        requeueFrontLocked(t);
        retried++;
    }

    /** A task back to the front of the queue: it never ran, or is retried. */
    void requeueFrontLocked(PoolTask<?> t) {
        assert lock.isHeldByCurrentThread();
        telemetry.taskRequeued(t.id);
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
                t.future.settle(r);
            } else {
                t.future.settleExceptionally(error);
            }
        });
        changed.signalAll();
    }

    void run(PoolActions actions) {
        actions.run(name, callbacks.thread);
    }


    // ------------------------------------------------------------------ dispatch and slots

    /**
     * A new slot takes the lowest index no active slot holds, so that a replacement keeps the
     * kind, options and function override of the worker it replaces (pyworkers keeps a restarted
     * worker's userid). Its name is unique: a retiring holder of the index may still be alive.
     */
    PoolWorker newWorkerLocked() {
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
        telemetry.workerCreated(workerName, type);
        workersStarted++;
        return w;
    }

    /** Hands queued tasks to workers with room, and grows the pool if the queue still waits. */
    void dispatchLocked(PoolActions actions) {
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
    long waitingLocked() {
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
    boolean retireLocked(PoolWorker w, PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        if (!w.state.isActive()) {
            return false;
        }
        w.state = SlotState.RETIRING;
        telemetry.workerRetiring(w.name());
        workersRecycled++;
        actions.endInput.add(w);
        return true;
    }

    /** Stops a worker (interrupt, SIGTERM, SIGKILL): a timeout, a stuck cancel, a shutdown now. */
    void stopLocked(PoolWorker w, PoolActions actions) {
        assert lock.isHeldByCurrentThread();
        w.state = SlotState.STOPPING;
        telemetry.workerStopping(w.name());
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
                telemetry.workerRetiring(w.name());
                actions.endInput.add(w);
            }
        }
        checkTerminatedLocked();
    }

    void checkTerminatedLocked() {
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
        PoolActions actions = new PoolActions(PoolActions.Origin.TIMER);
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
                telemetry.workerExited(w.name(), "stopped before it was started", true);
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
        PoolActions actions = new PoolActions(PoolActions.Origin.IO);
        lock.lock();
        try {
            if (w.state == SlotState.STARTING) {
                w.state = SlotState.READY;
            }
            telemetry.workerReady(w.name());
            w.idleSince = System.nanoTime();
            dispatchLocked(actions);
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    /** A worker answered a call: its task ends (or goes back, if it was recalled), and the next is sent. */
    void answered(PoolWorker w, PoolWorker.Response r) {
        PoolActions actions = new PoolActions(PoolActions.Origin.IO);
        // measured before the outcome is released, so no next task can reach a bloated worker
        boolean overMemory = options.memoryLimitBytes() > 0 && w.type == WorkerType.PROCESS
                && PoolWorker.residentBytes(w.pid()) > options.memoryLimitBytes();
        lock.lock();
        try {
            answeredLocked(w, r, System.nanoTime(), actions);
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

    private void answeredLocked(PoolWorker w, PoolWorker.Response r, long now, PoolActions actions) {
        PoolTask<?> t = w.removeInflight(r.callId());
        if (t == null) {
            return; // already ended by a timeout, and its worker is going
        }
        running--;
        w.tasksDone++;
        w.served(t, now);
        if (!t.state.isTerminal() && r.kind() == Frames.ERR_CANCELLED) {
            // answered "cancelled before it ran" without the task being cancelled: recalled for a
            // free worker, or its worker was stopped (a timeout or cancel of the task ahead of it).
            // It never ran there, so it goes back without costing an attempt.
            t.stolen = false;
            t.attempts--;
            requeueFrontLocked(t);
            return;
        }
        t.stolen = false;
        if (r.error() != null) {
            w.tasksFailed++;
        }
        if (!t.state.isTerminal()) {
            if (r.error() == null) {
                endLocked(t, TaskState.SUCCEEDED, r.value(), null, actions);
            } else {
                // the task's own exception is the failure; where it ran rides along, suppressed
                endLocked(t, TaskState.FAILED, null, FailureContext.attach(r.error(),
                        new FailureContext(t.id, w.name(), w.pid(), t.attempts)), actions);
            }
        }
    }

    /** The slot's engine ended, for whatever reason: its tasks end, are retried or go back. */
    void exited(PoolWorker w, ExitInfo info) {
        PoolActions actions = new PoolActions(PoolActions.Origin.IO);
        lock.lock();
        try {
            if (!workers.remove(w)) {
                return;
            }
            SlotState was = w.state;
            w.state = SlotState.EXITED;
            boolean expected = was == SlotState.RETIRING && info.clean();
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
                if (!first.state.isTerminal() && neverAcknowledgedLocked(first, w, info)) {
                    // declared dead (heartbeats unanswered) before it ever read the task: it never
                    // started there, so it goes elsewhere without costing an attempt
                    first.attempts--;
                    first.unacknowledgedResends++;
                    requeueFrontLocked(first);
                } else if (!first.state.isTerminal()) {
                    RuntimeException death = was == SlotState.STOPPING && state.isShutdown()
                            ? new CancellationException("the pool was shut down now")
                            : new WorkerDiedException(w.name(), w.pid(), info.how(), info.exitCode(), info.signal(),
                                    info.stderrTail(), info.cause());
                    if (death instanceof WorkerDiedException && first.attempts <= first.options.retriesOnWorkerDeath()) {
                        telemetry.retry(first.id, first.attempts, "worker death");
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
            telemetry.workerExited(w.name(), info.how(), expected);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        run(actions);
    }

    /**
     * How many times a task may go back to the queue unacknowledged: a task that freezes its JVM
     * before the next heartbeat could otherwise freeze every worker in turn.
     */
    static final int MAX_UNACKNOWLEDGED_RESENDS = 3;

    /**
     * Whether the first task of a worker that procpool declared dead (it stopped answering
     * heartbeats: stopped with SIGSTOP, frozen, or cut off) was never read by it. The worker
     * reads its input in order, so a heartbeat answered for a ping sent after the task proves it
     * read the task; without one, the task never started there. Not for workers that died any
     * other way: a task that makes its worker exit must not travel from worker to worker.
     */
    private boolean neverAcknowledgedLocked(PoolTask<?> t, PoolWorker w, ExitInfo info) {
        return info.unresponsive() && t.unacknowledgedResends < MAX_UNACKNOWLEDGED_RESENDS
                && !w.acknowledgedRead(t.sentAt);
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
        PoolActions actions = new PoolActions(PoolActions.Origin.TIMER);
        lock.lock();
        try {
            if (t.state.isTerminal() || t.worker != w || w.removeInflight(t.id) == null) {
                return;
            }
            running--;
            workersDied++;
            telemetry.timeoutKill(t.id, w.name(), w.pid(), t.options.timeout().orElseThrow());
            if (t.attempts <= t.options.retriesOnTimeout()) {
                telemetry.retry(t.id, t.attempts, "timeout");
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


    void stopIfStillRunning(PoolTask<?> t, PoolWorker w) {
        PoolActions actions = new PoolActions(PoolActions.Origin.TIMER);
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


    /** Reads state under the lock; for the one-line getters. */
    <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** RUNNING → SHUTTING_DOWN (or CLEARING); no change once shut down, except into CLEARING. */
    void shutdownLocked(boolean clear) {
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

    PoolStats statsLocked() {
        assert lock.isHeldByCurrentThread();
        return new PoolStats(submitted, queue.size(), running, completed, failed, timedOut, cancelled, retried,
                workersStarted, workersRecycled, workersDied, workers.size());
    }
}
