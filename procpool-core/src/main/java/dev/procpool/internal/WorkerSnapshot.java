package dev.procpool.internal;

import dev.procpool.WorkerType;

/**
 * What one worker slot of a pool looked like at one moment: for status, telemetry and the
 * pool's worker handles. Taken under the pool's lock, so its fields agree with each other.
 *
 * @param name the worker's unique name ({@code pool-1}, {@code pool-1.4} for a later holder of
 *     index 1)
 * @param index the slot's index: a replacement keeps the index, kind and options of the worker it
 *     replaces
 * @param pid the process id of a process worker, -1 for a thread or before the start
 * @param host where the work runs; null before the start
 * @param currentTaskId the task running (the first in flight), -1 if none
 * @param currentTaskSince when that task was sent (nanoTime), 0 if none
 * @param tasksDone tasks answered by this worker (successfully or not)
 * @param tasksFailed of those, the ones that failed
 */
record WorkerSnapshot(String name, int index, WorkerType kind, long pid, String host, SlotState state,
        long currentTaskId, long currentTaskSince, long tasksDone, long tasksFailed) {
}
