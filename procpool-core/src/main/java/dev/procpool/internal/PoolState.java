package dev.procpool.internal;

/**
 * The lifecycle of a {@link PoolImpl}. States only move forward.
 *
 * <pre>
 * RUNNING ──► SHUTTING_DOWN ──► TERMINATED
 *    │              │               ▲
 *    └──────────────┴──► CLEARING ──┘
 * </pre>
 *
 * <ul>
 *   <li>{@code RUNNING → SHUTTING_DOWN}: {@code shutdown()}, {@code shutdownNow()},
 *       {@code close()}, or {@code join} past its bound. Submits are refused; queued and running
 *       tasks go on (after {@code shutdownNow()} they were cancelled already), then every worker
 *       is told to exit.</li>
 *   <li>{@code → CLEARING}: {@code shutdownClear()}: as shutting down, and outcomes of the tasks
 *       still running are dropped (no batch results, no polled callbacks).</li>
 *   <li>{@code → TERMINATED}: nothing queued, nothing running and every worker has exited.</li>
 * </ul>
 */
enum PoolState {
    /** Accepting tasks. */
    RUNNING,
    /** Refusing tasks; finishing what was accepted. */
    SHUTTING_DOWN,
    /** Refusing tasks; finishing what runs, dropping its results. */
    CLEARING,
    /** Every worker has exited. Terminal. */
    TERMINATED;

    /** Whether new tasks are refused. */
    boolean isShutdown() {
        return this != RUNNING;
    }
}
