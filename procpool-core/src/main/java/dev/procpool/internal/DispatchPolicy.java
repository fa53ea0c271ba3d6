package dev.procpool.internal;

import dev.procpool.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a pool's tasks go: the decisions alone, on the pool's slots and queue, with no I/O, so
 * they can be tested without starting a worker. The pool calls these with its lock held and
 * carries the decisions out.
 *
 * <ul>
 *   <li><b>Idle first.</b> A task goes to a ready worker with nothing in flight, round the workers
 *       so they share the work.</li>
 *   <li><b>Starting workers.</b> Otherwise an untimed task goes to a starting worker with nothing
 *       in flight (a process worker reads it from its stdin while it connects).</li>
 *   <li><b>Grow.</b> While tasks still wait, the pool starts workers up to its maximum
 *       ({@link #toStart}).</li>
 *   <li><b>Pipeline.</b> Only when the pool cannot grow is an untimed task queued behind others,
 *       up to {@link #PIPELINE}, on a worker whose recent tasks were quick ({@link #pipelines}).
 *       A timed task only goes to a worker with nothing in flight, and nothing is queued behind
 *       it, so its clock starts when it starts and killing its worker at the deadline harms no
 *       other task. Slow tasks thus never wait behind each other while a worker could take them,
 *       and the queue's capacity and {@code shutdownNow} keep their meaning.</li>
 *   <li><b>Steal (recall).</b> When a worker is idle and nothing is queued, the tasks waiting
 *       behind a task that turned out slow are asked back ({@link #toRecall}); those that had not
 *       started come back to the queue, one that did start finishes where it is.</li>
 * </ul>
 */
final class DispatchPolicy {
    /** Untimed tasks in flight per worker: enough to hide a round trip, few enough to rebalance. */
    static final int PIPELINE = 16;
    /** Below this average time per task, a worker's tasks are pipelined. */
    static final long QUICK_TASK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final int minWorkers;
    private final int maxWorkers;
    private final long maxTasksPerWorker;
    /** Where the next search round the workers starts, so they share the work. */
    private long rotation;

    DispatchPolicy(int minWorkers, int maxWorkers, long maxTasksPerWorker) {
        this.minWorkers = minWorkers;
        this.maxWorkers = maxWorkers;
        this.maxTasksPerWorker = maxTasksPerWorker;
    }

    int minWorkers() {
        return minWorkers;
    }

    int maxWorkers() {
        return maxWorkers;
    }

    /** Whether a slot takes tasks at all: it is starting or ready, and under its task limit. */
    boolean takes(PoolWorker w) {
        return w.state.isActive() && (maxTasksPerWorker == 0 || w.dispatched < maxTasksPerWorker);
    }

    /** Whether a slot is ready, takes tasks and has none. */
    boolean isIdle(PoolWorker w) {
        return w.state == SlotState.READY && takes(w) && w.inflight.isEmpty();
    }

    /** Slots that count towards the pool's size: starting or ready. */
    static int active(List<PoolWorker> workers) {
        int n = 0;
        for (PoolWorker w : workers) {
            if (w.state.isActive()) {
                n++;
            }
        }
        return n;
    }

    /**
     * The slot that takes {@code task} (the head of the queue) now, or null if it must wait.
     *
     * @param canGrow whether the pool may still start a worker (then nothing is pipelined)
     */
    PoolWorker choose(PoolTask<?> task, List<PoolWorker> workers, boolean canGrow, long now) {
        boolean timed = task.isTimed();
        int n = workers.size();
        int start = n == 0 ? 0 : (int) (rotation++ % n);
        for (int k = 0; k < n; k++) {
            PoolWorker w = workers.get((start + k) % n);
            if (isIdle(w)) {
                return w;
            }
        }
        if (timed) {
            return null;
        }
        for (int k = 0; k < n; k++) {
            PoolWorker w = workers.get((start + k) % n);
            if (takes(w) && w.state == SlotState.STARTING && w.inflight.isEmpty()) {
                return w;
            }
        }
        if (canGrow) {
            return null;
        }
        PoolWorker best = null;
        for (int k = 0; k < n; k++) {
            PoolWorker w = workers.get((start + k) % n);
            if (takes(w) && w.state == SlotState.READY && pipelines(w, now)
                    && (best == null || w.inflight.size() < best.inflight.size())) {
                best = w;
            }
        }
        return best;
    }

    /**
     * Whether an untimed task may wait in this slot behind others: there is room, nothing timed is
     * in flight, and its recent tasks were quick (so the wait is short).
     */
    static boolean pipelines(PoolWorker w, long now) {
        if (w.inflight.size() >= PIPELINE || w.serviceSamples < 4 || w.serviceNanos >= QUICK_TASK_NANOS) {
            return false;
        }
        if (w.inflight.isEmpty()) {
            return true;
        }
        // not behind a timed task, nor behind one that has already run longer than a quick one
        long runningFor = now - Math.max(w.inflight.peekFirst().sentAt, w.lastAnswerAt);
        return !w.inflight.peekLast().isTimed() && runningFor < QUICK_TASK_NANOS;
    }

    /**
     * How many workers to start for {@code queued} waiting tasks: one per task that no starting
     * worker will take, up to the maximum.
     */
    int toStart(int queued, List<PoolWorker> workers) {
        int startingFree = 0;
        for (PoolWorker w : workers) {
            if (w.state == SlotState.STARTING && w.inflight.isEmpty()) {
                startingFree++;
            }
        }
        return Math.max(0, Math.min(queued - startingFree, maxWorkers - active(workers)));
    }

    /**
     * The tasks to ask back when nothing is queued: if some worker is idle, every task waiting
     * behind a task that has run longer than a quick one, on any worker not being stopped.
     */
    List<PoolTask<?>> toRecall(List<PoolWorker> workers, long now) {
        boolean someoneIdle = false;
        for (PoolWorker w : workers) {
            if (isIdle(w)) {
                someoneIdle = true;
                break;
            }
        }
        if (!someoneIdle) {
            return List.of();
        }
        List<PoolTask<?>> out = new ArrayList<>(0);
        for (PoolWorker w : workers) {
            if (w.inflight.size() < 2 || w.state == SlotState.STOPPING) {
                continue;
            }
            PoolTask<?> head = w.inflight.peekFirst();
            if (now - Math.max(head.sentAt, w.lastAnswerAt) < QUICK_TASK_NANOS) {
                continue;
            }
            boolean first = true;
            for (PoolTask<?> t : w.inflight) {
                if (!first && !t.stolen && t.state == TaskState.RUNNING) {
                    out.add(t);
                }
                first = false;
            }
        }
        return out;
    }

    /** Whether a slot above the minimum has been idle long enough to be retired. */
    static boolean idleTooLong(PoolWorker w, long now, long idleTimeoutNanos) {
        return w.state == SlotState.READY && w.inflight.isEmpty() && now - w.idleSince > idleTimeoutNanos;
    }
}
