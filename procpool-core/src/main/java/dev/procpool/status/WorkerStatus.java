package dev.procpool.status;

import dev.procpool.WorkerType;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One worker as a {@link PoolStatus} saw it: what it runs now, for how long, and what its process
 * costs.
 *
 * <pre>{@code
 * for (WorkerStatus w : pool.status().workers()) {
 *     if (w.currentTaskAge().filter(age -> age.toMinutes() >= 10).isPresent()) {
 *         System.out.println(w.name() + " (pid " + w.pid().orElse(-1) + ") is stuck on task " + w.currentTaskId().getAsLong());
 *     }
 * }
 * }</pre>
 *
 * <p>Resources are those of the worker's own process: {@code rssBytes} and {@code cpuTime} come
 * from {@code /proc} on Linux and are empty elsewhere, for remote workers (their process is on
 * another host) and for thread workers, which have no process of their own ({@code rssBytes} is
 * then empty rather than the whole JVM's, and {@code cpuTime} is the thread's CPU time when the
 * JVM measures it).
 *
 * @param name the worker's name, unique in its pool (a replacement gets a new one)
 * @param type thread, process or remote
 * @param host where it runs (this host's name unless remote)
 * @param pid its process id; empty for thread workers and before the process exists
 * @param state where it is in its life
 * @param currentTaskId the task it runs now; empty when idle
 * @param currentTaskAge how long it has run {@code currentTaskId}
 * @param tasksDone tasks it answered (succeeded or failed)
 * @param tasksFailed tasks it answered with a failure, or that ended with it (timeout, death)
 * @param rssBytes the resident memory of its process
 * @param cpuTime the CPU time (user + system) its process (or thread) has used
 * @param startedAt when it was created
 * @param exitReason how it ended, in words ({@link State#EXITED} only)
 */
public record WorkerStatus(String name, WorkerType type, String host, OptionalLong pid, State state,
        OptionalLong currentTaskId, Optional<Duration> currentTaskAge, long tasksDone, long tasksFailed,
        OptionalLong rssBytes, Optional<Duration> cpuTime, Instant startedAt, Optional<String> exitReason) {

    /**
     * A worker's life: {@code STARTING → IDLE ⇄ BUSY → (RETIRING | STOPPING) → EXITED}; a worker
     * may also go from any state straight to {@code EXITED} when it dies.
     */
    public enum State {
        /** Its thread or process is being started; it may already hold a first task. */
        STARTING,
        /** Ready, with nothing to run. */
        IDLE,
        /** Running a task. */
        BUSY,
        /** Retired on purpose (task or memory limit, idle, restart, shutdown): finishes what it has, then exits. */
        RETIRING,
        /** Being stopped (its task timed out or was cancelled, or the pool shuts down now): interrupt, SIGTERM, SIGKILL. */
        STOPPING,
        /** Gone; {@code exitReason} says how. */
        EXITED
    }
}
