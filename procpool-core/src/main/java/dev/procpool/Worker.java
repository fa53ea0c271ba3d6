package dev.procpool;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * A handle on one worker: a thread or a child JVM (and, later, a remote process) that runs work
 * for the controller. Every kind has exactly this API; {@link Workers} picks the kind.
 *
 * <p>A worker starts when it is created: there is no {@code start()}, and {@link #pid()} is valid
 * at once. Its state moves as documented on {@link WorkerState}; a worker that ends for any reason
 * (including a {@code SIGKILL} from outside) reaches a terminal state and {@link #hasError()} tells
 * whether something went wrong, so no caller is left waiting.
 *
 * <pre>{@code
 * try (Worker<Long> w = Workers.start(WorkerType.PROCESS, () -> fib(40))) {
 *     if (!w.await(Duration.ofSeconds(10))) {
 *         w.terminate(Duration.ofSeconds(1));   // interrupt, then SIGTERM, then SIGKILL
 *     }
 *     System.out.println(w.hasError() ? "failed: " + w.error().orElseThrow() : "fib = " + w.result());
 * }
 * }</pre>
 *
 * <p>Threading: every method may be called from any thread. {@link #await} and {@link #close}
 * block; all others return promptly.
 *
 * @param <R> the result type; for a {@link PersistentWorker} the number of calls made
 */
public interface Worker<R> extends AutoCloseable {

    /** A number unique among the workers of this JVM. */
    long id();

    /** The user-given name ({@link WorkerOptions.Builder#name}), or {@code kind-id} by default. */
    String name();

    /** The kind of this worker. */
    WorkerType type();

    /** The host the work runs on: this host's name for threads and local processes. */
    String host();

    /**
     * The OS process id the work runs in: the child's real pid for a process worker, this JVM's
     * pid for a thread worker. Changes on {@link #restart()}.
     */
    long pid();

    /** The id of the thread that runs the task, inside {@link #pid()}; empty until known. */
    OptionalLong threadId();

    /** The current lifecycle state. */
    WorkerState state();

    /** Whether the underlying thread or process is still running. */
    boolean isAlive();

    /**
     * How a process worker is launched, as a command a human can paste into a shell; empty for
     * other kinds.
     */
    Optional<String> launchCommand();

    /**
     * Waits until the worker reaches a terminal state and its {@link #future()} is completed.
     *
     * @param timeout how long to wait at most; {@link Duration#ZERO} polls
     * @return whether the worker is in a terminal state
     * @throws InterruptedException if this thread is interrupted while waiting (flag restored)
     */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * The outcome of the work. Does not block.
     *
     * @return the task's result (a persistent worker: the number of calls it made)
     * @throws IllegalStateException if the worker has not reached a terminal state yet
     * @throws TaskFailedException if the task threw (the cause is the task's exception)
     * @throws WorkerDiedException if the worker died (exit code or signal, stderr tail)
     * @throws WorkerTerminatedException if the worker was stopped by the user
     */
    R result();

    /**
     * The error that ended the worker, if any: the task's own exception (or a
     * {@link RemoteThrowable} standing in for one that could not be transferred), a
     * {@link WorkerDiedException}, or a {@link WorkerTerminatedException}.
     */
    Optional<Throwable> error();

    /**
     * Whether the worker ended badly: the task threw, the worker died (even with no exception,
     * e.g. {@code SIGKILL}) or was terminated. False while it runs.
     */
    boolean hasError();

    /** Why the worker ended; empty while it is not in a terminal state. */
    Optional<WorkerExit> exit();

    /**
     * A future completed with {@link #result()}'s value when the worker reaches a terminal
     * state; if the task threw, exceptionally with the task's own exception (the rule of
     * {@link Pool}, "Exceptions": where it ran is a suppressed {@link FailureContext}), otherwise
     * with what {@link #result()} would throw. Completion callbacks run on a procpool thread;
     * keep them short.
     */
    CompletableFuture<R> future();

    /**
     * Stops the worker, gracefully first: the task thread is interrupted; if the worker has not
     * ended after {@code grace}, a process gets {@code SIGTERM}, and after another {@code grace}
     * {@code SIGKILL}. A thread that ignores the interrupt is abandoned after {@code grace} (it
     * cannot be killed). Returns once the worker is terminal. Calls not yet answered end with
     * {@link WorkerTerminatedException}. Does nothing on a terminal worker.
     *
     * @param grace how long each step waits before the next, harsher one
     * @throws InterruptedException if interrupted while waiting (the escalation still completes
     *     in the background)
     */
    void terminate(Duration grace) throws InterruptedException;

    /**
     * Stops the worker at once: {@code SIGKILL} for a process; interrupt and abandon for a
     * thread. Does not wait for the process to be reaped.
     */
    void kill();

    /**
     * Restarts the worker with the same options and work, keeping this object: the current
     * incarnation is closed (a running task is finished, queued calls are answered), then a new
     * thread or process starts in {@link WorkerState#STARTING}. A one-shot worker runs its task
     * again. Use it to free memory a long-lived process accumulated.
     *
     * @throws InterruptedException if interrupted while the old incarnation winds down
     * @throws WorkerStartException if the new incarnation cannot be started
     */
    void restart() throws InterruptedException, WorkerStartException;

    /**
     * Accepts no more input, waits for the work already given to finish (up to
     * {@link WorkerOptions#closeTimeout()}), then terminates what is left with
     * {@link WorkerOptions#grace()}. Idempotent. Restores the interrupt flag and terminates at
     * once if interrupted.
     */
    @Override
    void close();
}
