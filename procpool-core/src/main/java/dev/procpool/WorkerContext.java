package dev.procpool;

import dev.procpool.internal.CurrentWorker;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Tells a task which worker runs it: the worker's name, and its index in its pool. Works in
 * thread and process workers alike; outside a worker both are empty.
 *
 * <pre>{@code
 * pool.submit(() -> "run by " + WorkerContext.workerName().orElse("?")
 *         + " #" + WorkerContext.poolIndex().orElse(-1));
 * }</pre>
 */
public final class WorkerContext {
    private WorkerContext() {
    }

    /** The name of the worker running the current task, if any. */
    public static Optional<String> workerName() {
        return Optional.ofNullable(CurrentWorker.name());
    }

    /** The index of that worker in its {@link Pool} (0-based, in start order), if it is a pool's. */
    public static OptionalInt poolIndex() {
        int i = CurrentWorker.poolIndex();
        return i < 0 ? OptionalInt.empty() : OptionalInt.of(i);
    }
}
