package dev.procpool;

/**
 * The lifecycle of a task given to a {@link Pool}. Every task ends in exactly one terminal state.
 *
 * <pre>
 * QUEUED ──► RUNNING ──► SUCCEEDED | FAILED | TIMED_OUT | CANCELLED
 *   │  ▲         │
 *   │  └─────────┘  (retried after a timeout or a worker death, per its options)
 *   └──────────────► CANCELLED
 * </pre>
 *
 * <pre>{@code
 * TaskHandle<Integer> h = pool.submit(() -> 42);
 * h.future().join();
 * assert h.state() == TaskState.SUCCEEDED;
 * }</pre>
 */
public enum TaskState {
    /** Waiting for a worker. */
    QUEUED,
    /** Sent to a worker. */
    RUNNING,
    /** Returned a value. Terminal. */
    SUCCEEDED,
    /** Threw, or its worker died under it. Terminal. */
    FAILED,
    /** Ran past its timeout; its worker was killed. Terminal. */
    TIMED_OUT,
    /** Cancelled before or while it ran, or dropped by {@link Pool#shutdownNow()}. Terminal. */
    CANCELLED;

    /** Whether the task has ended. */
    public boolean isTerminal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }
}
