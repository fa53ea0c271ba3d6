package dev.procpool.internal;

/**
 * The lifecycle of one worker slot of a pool ({@link PoolWorker}). States only move forward; a
 * slot that exits is removed and, if the pool still needs a worker at its index, a new slot takes
 * its place.
 *
 * <pre>
 * STARTING ──► READY ──► RETIRING ──► EXITED
 *    │           │          │            ▲
 *    └───────────┴──────────┴─► STOPPING ┘
 *    └───────────┴──────────────────────►┘ (died)
 * </pre>
 *
 * <ul>
 *   <li>{@code STARTING → READY}: the thread runs, or the child JVM connected back. A starting
 *       slot may already hold one untimed task (a process worker reads it from its stdin).</li>
 *   <li>{@code STARTING|READY → RETIRING}: the pool retires it on purpose (task or memory limit,
 *       idle above the minimum, {@code restartWorkers}, shutdown): it takes no more tasks, answers
 *       those it has, and exits.</li>
 *   <li>{@code → STOPPING}: the pool stops it (a task's timeout, a cancelled task that ignored
 *       the interrupt, {@code shutdownNow}): interrupt, SIGTERM, SIGKILL.</li>
 *   <li>{@code → EXITED}: its engine reported its exit, for whatever reason. Terminal.</li>
 * </ul>
 */
enum SlotState {
    /** Being started. */
    STARTING,
    /** Taking tasks. */
    READY,
    /** Finishing its tasks, then exiting. */
    RETIRING,
    /** Being stopped. */
    STOPPING,
    /** Gone. Terminal. */
    EXITED;

    /** Whether the slot counts towards the pool's size and may be given tasks. */
    boolean isActive() {
        return this == STARTING || this == READY;
    }
}
