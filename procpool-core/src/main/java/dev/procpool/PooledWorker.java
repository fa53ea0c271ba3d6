package dev.procpool;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * One live worker of a {@link Pool}, as {@link Pool#workers()} returns it: who it is, what it is
 * doing, and the means to stop it. Stopping it from here is the same as killing its process from
 * outside: its running task fails or runs again (per {@link TaskOptions#retriesOnWorkerDeath()}),
 * the tasks queued behind it go back to the pool's queue, and the pool starts a replacement at the
 * same index when it needs one.
 *
 * <pre>{@code
 * for (PooledWorker w : pool.workers()) {          // pyworkers' "genocide": kill every worker
 *     System.out.println(w.name() + " #" + w.index() + " pid " + w.pid() + " running " + w.currentTaskId());
 *     w.kill();
 * }
 * }</pre>
 *
 * <p>The getters read the slot as it is now (a handle stays valid after its worker is gone:
 * then {@link #state()} is terminal and {@link #isAlive()} false).
 */
public interface PooledWorker {

    /** The worker's unique name ({@code pool-1-0}, {@code pool-1-0.3} for a later holder of index 0). */
    String name();

    /** Its index in the pool: a replacement takes the index, kind and options of the worker it replaces. */
    int index();

    /** Its kind. */
    WorkerType type();

    /** Its process id (this JVM's for a thread worker); -1 before it started. */
    long pid();

    /** Where it runs: this host, or a worker-server's. */
    String host();

    /**
     * Its state: {@code STARTING}, {@code RUNNING} (taking tasks), {@code CLOSING} (retiring or
     * being stopped by the pool), then {@code COMPLETED} (it exited when told to),
     * {@code TERMINATED} (stopped from this handle) or {@code DIED}.
     */
    WorkerState state();

    /** Whether it is alive: started and not yet exited. */
    boolean isAlive();

    /** The id ({@link TaskHandle#id()}) of the task it runs now, if any. */
    OptionalLong currentTaskId();

    /** Tasks it answered (successfully or not). */
    long tasksDone();

    /** Of those, the ones that failed. */
    long tasksFailed();

    /**
     * Its worker state ({@link WorkerOptions.Builder#initialState} in the pool's worker options),
     * as {@link Worker#userState()} describes: a thread worker's shared object, a process or
     * remote worker's state as its last call that ended left it. A replacement starts again from
     * the initial state.
     */
    java.util.Optional<Object> userState();

    /**
     * Stops it as a signal from outside would: {@code SIGTERM}, then {@code SIGKILL} if it has
     * not exited after {@code grace} (a thread worker is interrupted and abandoned). Returns once
     * it has exited. Does nothing if it has exited already.
     *
     * @throws InterruptedException if interrupted while waiting (the SIGKILL still follows)
     */
    void terminate(Duration grace) throws InterruptedException;

    /** {@code SIGKILL} at once (a thread worker: interrupted and abandoned); does not wait. */
    void kill();
}
