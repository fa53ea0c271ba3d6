package dev.procpool.internal.status;

import dev.procpool.PoolStats;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskState;
import dev.procpool.WorkerType;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.TaskFailure;
import dev.procpool.status.WorkerStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a pool tells about itself: it is told of each task and worker event (one call at each
 * place the pool decides something), keeps what a {@link PoolStatus} shows, and emits the
 * matching JFR events ({@link Events}). The pool keeps its own bookkeeping for its decisions; this
 * is a separate, passive model of it, so that watching a pool never changes what it does and the
 * pool's code carries one line per event.
 *
 * <p>Threads: every method may be called from any thread; the pool calls most of them with its
 * own lock held, so they are short, never block and call no user code. Guarded by {@code this}.
 *
 * <pre>{@code
 * PoolTelemetry t = new PoolTelemetry("pool1", "pool");
 * t.workerCreated("pool1-0", WorkerType.PROCESS);
 * t.taskQueued(1);
 * t.taskStarted(1, "pool1-0", 1);
 * PoolStatus now = t.snapshot(pool.stats());
 * }</pre>
 */
public final class PoolTelemetry {
    private static final int STACK_LIMIT = 16_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String pool;
    private final String kind;
    private final long createdNanos = System.nanoTime();
    private final long createdMillis = System.currentTimeMillis();

    // guarded by this
    private final HashMap<Long, TaskRec> tasks = new HashMap<>();
    private final LinkedHashMap<String, WorkerRec> workers = new LinkedHashMap<>();
    private final ArrayDeque<WorkerRec> exited = new ArrayDeque<>();
    private final ArrayDeque<FailureRec> failures = new ArrayDeque<>();
    /** Tasks ended per second, a ring indexed by second since creation. */
    private final int[] perSecond = new int[PoolStatus.THROUGHPUT_SECONDS];
    private long currentSecond;

    /** A pool's telemetry; {@code kind} as in {@link PoolStatus#kind()}. */
    public PoolTelemetry(String pool, String kind) {
        this.pool = pool;
        this.kind = kind;
    }

    private static final class TaskRec {
        final long id;
        final long queuedAt;
        long startedAt;
        long queueTime;
        WorkerRec worker;
        String lastWorker;

        TaskRec(long id, long queuedAt) {
            this.id = id;
            this.queuedAt = queuedAt;
        }
    }

    private static final class WorkerRec {
        final String name;
        final WorkerType type;
        final long createdMillis = System.currentTimeMillis();
        final ArrayDeque<TaskRec> inflight = new ArrayDeque<>(2);
        WorkerStatus.State state = WorkerStatus.State.STARTING;
        String host = "";
        long pid = -1;
        long threadId = -1;
        long lastEndAt;
        long done;
        long failed;
        long lastRss = -1;
        String stopCause;
        String exitReason;

        WorkerRec(String name, WorkerType type) {
            this.name = name;
            this.type = type;
        }
    }

    private record FailureRec(long taskId, String worker, long atMillis, TaskState outcome, Throwable error,
            String[] rendered) {
    }

    // ------------------------------------------------------------------ task events

    /** A task entered the queue. */
    public synchronized void taskQueued(long taskId) {
        tasks.put(taskId, new TaskRec(taskId, System.nanoTime()));
        Events.TaskQueued e = new Events.TaskQueued();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.taskId = taskId;
            e.commit();
        }
    }

    /** A task was sent to a worker (it runs there once the tasks before it have). */
    public synchronized void taskStarted(long taskId, String worker, int attempt) {
        long now = System.nanoTime();
        TaskRec t = tasks.computeIfAbsent(taskId, id -> new TaskRec(id, now));
        WorkerRec w = workers.get(worker);
        t.startedAt = now;
        t.queueTime += now - t.queuedAt;
        t.worker = w;
        t.lastWorker = worker;
        if (w != null) {
            if (w.inflight.isEmpty()) {
                w.lastEndAt = now; // its clock starts now, not at the end of an older task
            }
            w.inflight.addLast(t);
        }
        Events.TaskStart e = new Events.TaskStart();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.taskId = taskId;
            e.worker = worker;
            e.attempt = attempt;
            e.queueTime = now - t.queuedAt;
            e.commit();
        }
    }

    /** A task left its worker without ending (retried, or taken back before it ran): queued again. */
    public synchronized void taskRequeued(long taskId) {
        TaskRec t = tasks.get(taskId);
        if (t != null && t.worker != null) {
            t.worker.inflight.remove(t);
            t.worker = null;
        }
    }

    /** A task ended; {@code error} is null when it succeeded. */
    public synchronized void taskEnded(long taskId, TaskState outcome, Throwable error) {
        long now = System.nanoTime();
        TaskRec t = tasks.remove(taskId);
        WorkerRec w = t == null ? null : t.worker;
        if (w != null) {
            if (w.inflight.peekFirst() == t) {
                w.inflight.pollFirst();
                w.lastEndAt = now;
            } else {
                w.inflight.remove(t);
            }
            w.done++;
            if (outcome == TaskState.FAILED || outcome == TaskState.TIMED_OUT) {
                w.failed++;
            }
        }
        perSecond[advance(now)]++;
        if (outcome == TaskState.FAILED || outcome == TaskState.TIMED_OUT) {
            if (failures.size() == PoolStatus.FAILURES_KEPT) {
                failures.pollLast();
            }
            failures.addFirst(new FailureRec(taskId, t == null ? workerOf(error) : t.lastWorker,
                    System.currentTimeMillis(), outcome, error, new String[2]));
        }
        Events.TaskEnd e = new Events.TaskEnd();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.taskId = taskId;
            e.worker = t == null ? workerOf(error) : t.lastWorker;
            e.outcome = outcome.name();
            e.queueTime = t == null ? 0 : t.startedAt == 0 ? now - t.queuedAt : t.queueTime;
            e.runTime = t == null || t.startedAt == 0 ? 0 : now - t.startedAt;
            e.error = error == null ? null : summary(error);
            e.commit();
        }
    }

    private static String workerOf(Throwable error) {
        return error instanceof TaskFailedException f ? f.workerName() : null;
    }

    /** The ring slot of the second {@code now} falls in; clears the seconds skipped since the last call. */
    private int advance(long now) {
        long second = (now - createdNanos) / 1_000_000_000L;
        if (second > currentSecond) {
            long from = Math.max(currentSecond + 1, second - perSecond.length + 1);
            for (long s = from; s <= second; s++) {
                perSecond[(int) (s % perSecond.length)] = 0;
            }
            currentSecond = second;
        }
        return (int) (currentSecond % perSecond.length);
    }

    /** A task timed out: its worker is being killed. */
    public synchronized void timeoutKill(long taskId, String worker, long pid, Duration timeout) {
        WorkerRec w = workers.get(worker);
        if (w != null) {
            w.stopCause = "killed because task " + taskId + " ran past its timeout of " + human(timeout);
        }
        Events.TimeoutKill e = new Events.TimeoutKill();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.taskId = taskId;
            e.worker = worker;
            e.pid = pid;
            e.timeout = timeout.toNanos();
            e.commit();
        }
    }

    /** A task will run again after {@code attempt} failed for {@code reason}. */
    public void retry(long taskId, int attempt, String reason) {
        Events.Retry e = new Events.Retry();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.taskId = taskId;
            e.attempt = attempt;
            e.reason = reason;
            e.commit();
        }
    }

    // ------------------------------------------------------------------ worker events

    /** A worker slot was made; its thread or process is about to start. */
    public synchronized void workerCreated(String worker, WorkerType type) {
        workers.put(worker, new WorkerRec(worker, type));
    }

    /** A worker's thread or process runs; {@code pid} is the process's (for a thread worker, this JVM's). */
    public synchronized void workerStarted(String worker, long pid, String host, OptionalLong threadId) {
        WorkerRec w = workers.get(worker);
        if (w != null) {
            w.pid = pid;
            w.host = host;
            w.threadId = threadId.orElse(-1);
        }
        Events.WorkerStart e = new Events.WorkerStart();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.worker = worker;
            e.kind = w == null ? null : w.type.name();
            e.pid = w != null && w.type == WorkerType.THREAD ? -1 : pid;
            e.host = host;
            e.commit();
        }
    }

    /** A worker is ready for tasks. */
    public synchronized void workerReady(String worker) {
        WorkerRec w = workers.get(worker);
        if (w != null && w.state == WorkerStatus.State.STARTING) {
            w.state = WorkerStatus.State.IDLE;
        }
    }

    /** A worker was retired on purpose: it finishes what it has and exits. */
    public synchronized void workerRetiring(String worker) {
        WorkerRec w = workers.get(worker);
        if (w != null && w.state != WorkerStatus.State.STOPPING) {
            w.state = WorkerStatus.State.RETIRING;
        }
    }

    /** A worker is being stopped (interrupt, SIGTERM, SIGKILL). */
    public synchronized void workerStopping(String worker) {
        WorkerRec w = workers.get(worker);
        if (w != null) {
            w.state = WorkerStatus.State.STOPPING;
        }
    }

    /** A worker is gone; {@code how} says how its thread or process ended. */
    public synchronized void workerExited(String worker, String how, boolean expected) {
        WorkerRec w = workers.remove(worker);
        String reason = w == null || w.stopCause == null ? how : w.stopCause + "; " + how;
        if (w != null) {
            if (w.state == WorkerStatus.State.RETIRING && expected) {
                reason = "retired; " + how;
            }
            w.state = WorkerStatus.State.EXITED;
            w.exitReason = reason;
            for (TaskRec t : w.inflight) {
                t.worker = null;
            }
            w.inflight.clear();
            if (exited.size() == PoolStatus.EXITED_KEPT) {
                exited.pollLast();
            }
            exited.addFirst(w);
        }
        Events.WorkerExit e = new Events.WorkerExit();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.worker = worker;
            e.pid = w == null || w.type == WorkerType.THREAD ? -1 : w.pid;
            e.reason = reason;
            e.expected = expected;
            e.rss = w == null ? -1 : w.lastRss;
            e.commit();
        }
    }

    // ------------------------------------------------------------------ snapshot

    /** The status now, with the pool's own counters. */
    public PoolStatus snapshot(PoolStats totals) {
        long now = System.nanoTime();
        List<WorkerRec> live;
        List<WorkerStatus> gone = new ArrayList<>();
        List<TaskFailure> fails = new ArrayList<>();
        List<Integer> throughput;
        List<WorkerStatus> out = new ArrayList<>();
        List<long[]> busy = new ArrayList<>();
        synchronized (this) {
            live = new ArrayList<>(workers.values());
            for (WorkerRec w : live) {
                TaskRec head = w.inflight.peekFirst();
                // task id, age, state ordinal, pid, done, failed: copied under the lock, /proc read outside it
                busy.add(new long[] {head == null ? -1 : head.id, head == null ? -1 : now - Math.max(head.startedAt, w.lastEndAt),
                    stateOf(w).ordinal(), w.pid, w.done, w.failed, w.threadId});
            }
            for (WorkerRec w : exited) {
                gone.add(new WorkerStatus(w.name, w.type, w.host, pidOf(w), WorkerStatus.State.EXITED, OptionalLong.empty(),
                        Optional.empty(), w.done, w.failed, OptionalLong.empty(), Optional.empty(),
                        Instant.ofEpochMilli(w.createdMillis), Optional.ofNullable(w.exitReason)));
            }
            for (FailureRec f : failures) {
                fails.add(render(f));
            }
            advance(now);
            int seconds = (int) Math.min(perSecond.length, currentSecond + 1);
            Integer[] t = new Integer[seconds];
            for (int i = 0; i < seconds; i++) {
                t[i] = perSecond[(int) ((currentSecond - seconds + 1 + i) % perSecond.length)];
            }
            throughput = List.of(t);
        }
        for (int i = 0; i < live.size(); i++) {
            WorkerRec w = live.get(i);
            long[] b = busy.get(i);
            long pid = b[3];
            OptionalLong rss = OptionalLong.empty();
            Optional<Duration> cpu = Optional.empty();
            if (w.type == WorkerType.PROCESS && pid > 0) {
                ProcReader.Sample s = ProcReader.read(pid);
                rss = s.rssBytes() < 0 ? OptionalLong.empty() : OptionalLong.of(s.rssBytes());
                cpu = s.cpuNanos() < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(s.cpuNanos()));
                if (s.rssBytes() >= 0) {
                    synchronized (this) {
                        w.lastRss = s.rssBytes();
                    }
                }
            } else if (w.type == WorkerType.THREAD && b[6] >= 0 && THREADS.isThreadCpuTimeSupported()) {
                long nanos = THREADS.getThreadCpuTime(b[6]);
                cpu = nanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
            }
            OptionalLong pidOut = w.type == WorkerType.THREAD || pid <= 0 ? OptionalLong.empty() : OptionalLong.of(pid);
            out.add(new WorkerStatus(w.name, w.type, w.host, pidOut, WorkerStatus.State.values()[(int) b[2]],
                    b[0] < 0 ? OptionalLong.empty() : OptionalLong.of(b[0]),
                    b[0] < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(b[1])), b[4], b[5], rss, cpu,
                    Instant.ofEpochMilli(w.createdMillis), Optional.empty()));
        }
        out.addAll(gone);
        return new PoolStatus(pool, kind, Instant.now(), totals.queued(), totals, out, fails, throughput);
    }

    private static OptionalLong pidOf(WorkerRec w) {
        return w.type == WorkerType.THREAD || w.pid <= 0 ? OptionalLong.empty() : OptionalLong.of(w.pid);
    }

    private static WorkerStatus.State stateOf(WorkerRec w) {
        if (w.state == WorkerStatus.State.IDLE) {
            return w.inflight.isEmpty() ? WorkerStatus.State.IDLE : WorkerStatus.State.BUSY;
        }
        return w.state;
    }

    /** Renders a failure once (a stack trace is costly to print) and keeps the text. */
    private static TaskFailure render(FailureRec f) {
        if (f.rendered[0] == null) {
            f.rendered[0] = f.error == null ? "unknown" : summary(f.error);
            StringWriter sw = new StringWriter();
            if (f.error != null) {
                // the worker-side exception first: the controller's frames that carried it say nothing
                Throwable shown = f.error instanceof TaskFailedException && f.error.getCause() != null ? f.error.getCause() : f.error;
                shown.printStackTrace(new PrintWriter(sw));
            }
            String stack = sw.toString();
            f.rendered[1] = stack.length() > STACK_LIMIT ? stack.substring(0, STACK_LIMIT) + "\n\t... (cut)" : stack;
        }
        return new TaskFailure(f.taskId, f.worker == null ? "" : f.worker, Instant.ofEpochMilli(f.atMillis), f.outcome,
                f.rendered[0], f.rendered[1]);
    }

    /** One line: the task's own exception when it threw in a worker, else the pool's. */
    static String summary(Throwable error) {
        Throwable shown = error instanceof TaskFailedException && error.getCause() != null ? error.getCause() : error;
        String msg = shown.getMessage();
        String name = shown instanceof dev.procpool.RemoteThrowable r ? r.remoteClassName() : shown.getClass().getName();
        return msg == null ? name : name + ": " + msg;
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    @Override
    public synchronized String toString() {
        return "PoolTelemetry{" + pool + ", " + workers.size() + " workers, " + tasks.size() + " tasks in flight}";
    }
}
