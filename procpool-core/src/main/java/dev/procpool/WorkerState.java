package dev.procpool;

/**
 * The lifecycle of a worker. States only move forward, with one documented exception:
 * {@link Worker#restart()} starts a new incarnation at {@link #STARTING}.
 *
 * <pre>
 * CREATED ──► STARTING ──► RUNNING ──► CLOSING ──► COMPLETED
 *    │            │            │           │
 *    │            └────────────┴───────────┴──────► FAILED | TERMINATED | DIED
 *    └─────────────────────────────────────────────► TERMINATED
 * </pre>
 *
 * <ul>
 *   <li>{@code CREATED}: made by {@link Workers#create} or {@link Workers#createPersistent} and not
 *       started: no thread or process exists; a persistent worker queues what is enqueued.</li>
 *   <li>{@code CREATED → STARTING}: {@link Worker#start()} (or {@link Worker#restart()}).</li>
 *   <li>{@code CREATED → TERMINATED}: {@link Worker#close()}, {@link Worker#terminate} or
 *       {@link Worker#kill()} before the start; calls enqueued meanwhile end with
 *       {@link WorkerTerminatedException}. {@link Worker#await} and {@link Worker#result()} of a
 *       {@code CREATED} worker throw {@link IllegalStateException} naming the state.</li>
 *   <li>{@code STARTING → RUNNING}: the thread runs, or the child JVM connected back.</li>
 *   <li>{@code RUNNING → CLOSING}: no more input ({@link PersistentWorker#endInput()},
 *       {@link Worker#close()}), or a one-shot task's outcome is known and the worker is
 *       winding down.</li>
 *   <li>{@code → COMPLETED}: every call was answered and the worker ended on its own.</li>
 *   <li>{@code → FAILED}: a one-shot task threw.</li>
 *   <li>{@code → TERMINATED}: the user stopped it ({@link Worker#terminate}, {@link Worker#kill},
 *       or {@code close} past its bound).</li>
 *   <li>{@code → DIED}: it ended without being asked: the process exited, was killed by a
 *       signal from elsewhere, ran out of heap, lost its channel or broke the protocol.</li>
 * </ul>
 *
 * <p>{@link Worker#exit()} tells why a terminal state was reached.
 *
 * <pre>{@code
 * if (worker.state() == WorkerState.DIED) {
 *     System.err.println(worker.exit().orElseThrow().description());
 * }
 * }</pre>
 */
public enum WorkerState {
    /** Created and not started ({@link Worker#start()}): nothing runs yet. */
    CREATED,
    /** The thread or child JVM is being started; input is queued meanwhile. */
    STARTING,
    /** Accepting and running work. */
    RUNNING,
    /** No more input is accepted; queued work is finishing. */
    CLOSING,
    /** Ended normally. Terminal. */
    COMPLETED,
    /** The one-shot task threw; {@link Worker#error()} holds the exception. Terminal. */
    FAILED,
    /** Stopped on the user's request. Terminal. */
    TERMINATED,
    /** Ended without being asked (crash, exit, signal, lost channel). Terminal. */
    DIED;

    /** Whether no further transition can happen (except through {@link Worker#restart()}). */
    public boolean isTerminal() {
        return ordinal() >= COMPLETED.ordinal();
    }
}
