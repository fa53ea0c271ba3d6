package dev.procpool.status;

import dev.procpool.PoolStats;
import java.time.Instant;
import java.util.List;

/**
 * What a pool is doing at one instant: its workers, what each runs and for how long, the latest
 * failures, and the counters. Immutable; taking one costs a few microseconds plus a {@code /proc}
 * read per process worker (cached for 100 ms), so polling it every 100 ms is fine.
 *
 * <pre>{@code
 * PoolStatus s = pool.status();
 * System.out.println(s.name() + ": " + s.queued() + " queued, " + s.tasksPerSecond() + " tasks/s");
 * s.workers().forEach(w -> System.out.println(w.name() + " " + w.state() + " " + w.currentTaskAge().orElse(null)));
 * }</pre>
 *
 * <p>{@link dev.procpool.Pool#status()}, {@link dev.procpool.jobs.JobPool#status()},
 * {@link dev.procpool.agents.Supervisor#status()}, {@link dev.procpool.remote.WorkerServer#status()}
 * and {@code RedisNode.status()} (module procpool-redis) return one; {@link StatusServer} shows them
 * live.
 *
 * @param name the pool's name
 * @param kind what sort of pool: {@code "pool"}, {@code "jobs"}, {@code "agents"}, {@code "redis"} (a
 *     node), {@code "redis-controller"} ({@code RedisPool}), {@code "worker-server"} (a listening
 *     worker server: its worker JVMs, no tasks)
 * @param takenAt when this snapshot was taken
 * @param queued tasks waiting for a worker
 * @param totals the pool's counters at that instant
 * @param workers the live workers, then the last few that exited (newest first), each at most once
 * @param recentFailures the last failures, newest first (at most {@link #FAILURES_KEPT})
 * @param throughput tasks ended in each of the last {@link #THROUGHPUT_SECONDS} seconds, oldest first
 *     (the current, unfinished second last)
 */
public record PoolStatus(String name, String kind, Instant takenAt, long queued, PoolStats totals,
        List<WorkerStatus> workers, List<TaskFailure> recentFailures, List<Integer> throughput) {

    /** How many failures a snapshot keeps. */
    public static final int FAILURES_KEPT = 20;
    /** How many seconds of throughput a snapshot keeps. */
    public static final int THROUGHPUT_SECONDS = 300;
    /** How many exited workers a snapshot keeps. */
    public static final int EXITED_KEPT = 8;

    /** Copies the lists, so the snapshot stays as taken. */
    public PoolStatus {
        workers = List.copyOf(workers);
        recentFailures = List.copyOf(recentFailures);
        throughput = List.copyOf(throughput);
    }

    /** Tasks ended per second over the last full minute (or less, when younger). */
    public double tasksPerSecond() {
        int n = throughput.size();
        int seconds = Math.min(60, n - 1);
        if (seconds <= 0) {
            return 0;
        }
        long sum = 0;
        for (int i = n - 1 - seconds; i < n - 1; i++) {
            sum += throughput.get(i);
        }
        return (double) sum / seconds;
    }

    /** The worker named so, if the snapshot has it. */
    public java.util.Optional<WorkerStatus> worker(String workerName) {
        return workers.stream().filter(w -> w.name().equals(workerName)).findFirst();
    }

    /** Shorthand for the totals' {@link PoolStats#workersAlive()}. */
    public int workersAlive() {
        return totals.workersAlive();
    }
}
