package dev.procpool;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * A handle on one worker: a thread or a child JVM (and, later, a remote process) that runs work
 * for the controller. Every kind has exactly this API; {@link Workers} picks the kind.
 *
 * <p>A worker made with {@link Workers#start} starts as it is created, and {@link #pid()} is
 * valid at once; one made with {@link Workers#create} waits in {@link WorkerState#CREATED} until
 * {@link #start()}. Its state moves as documented on {@link WorkerState}; a worker that ends for any reason
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
     * pid for a thread worker; -1 before {@link #start()}. Changes on {@link #restart()}.
     */
    long pid();

    /**
     * Starts a worker made with {@link Workers#create} or {@link Workers#createPersistent}: its
     * thread or process starts as {@link Workers#start} would have started it, and arguments
     * enqueued meanwhile are sent to it in order.
     *
     * <pre>{@code
     * Worker<Integer> w = Workers.create(WorkerType.PROCESS, () -> 6 * 7, options);   // CREATED
     * w.start();                                                                      // STARTING
     * }</pre>
     *
     * @throws IllegalStateException if it was started already (or ended before it was started)
     * @throws WorkerStartException if the thread or process cannot be started
     */
    void start() throws WorkerStartException;

    /**
     * The worker's state ({@link WorkerOptions.Builder#initialState}): what its tasks last left in
     * {@link WorkerContext#setUserState}, or the initial state until then; empty if it has none.
     * A thread worker's is the very object its tasks use, read now. A process or remote worker's
     * is the copy it sent after its last call that ended (returned or threw), so after the worker
     * ends — normally, by error, or terminated — it holds what the last call that ended left; a
     * call cut off by a signal (SIGTERM, SIGKILL, from {@link #terminate}, {@link #kill} or from
     * outside) sends nothing, and the state the controller had received before it is kept.
     * {@link #restart()} starts again from the initial state.
     */
    Optional<Object> userState();

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
     * @throws IllegalStateException if the worker is {@link WorkerState#CREATED} (never started)
     * @throws InterruptedException if this thread is interrupted while waiting (flag restored)
     */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * The outcome of the work. Does not block.
     *
     * @return the task's result (a persistent worker: the number of calls it made)
     * @throws IllegalStateException if the worker has not reached a terminal state yet (the
     *     message names the state, e.g. {@code CREATED} for one never started)
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
     * {@link WorkerTerminatedException}. Does nothing on a terminal worker; a worker never
     * started ends {@link WorkerState#TERMINATED} at once.
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
     * again. Use it to free memory a long-lived process accumulated. A worker never started
     * ({@link WorkerState#CREATED}) is simply started.
     *
     * @throws InterruptedException if interrupted while the old incarnation winds down
     * @throws WorkerStartException if the new incarnation cannot be started
     */
    void restart() throws InterruptedException, WorkerStartException;

    /**
     * Accepts no more input, waits for the work already given to finish (up to
     * {@link WorkerOptions#closeTimeout()}), then terminates what is left with
     * {@link WorkerOptions#grace()}. Idempotent. Restores the interrupt flag and terminates at
     * once if interrupted. A worker never started ends {@link WorkerState#TERMINATED} at once:
     * nothing was allocated for it, and calls enqueued on it end with
     * {@link WorkerTerminatedException}.
     */
    @Override
    void close();
}
