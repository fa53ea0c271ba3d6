package dev.procpool;

import dev.procpool.internal.PoolImpl;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;

/**
 * Workers that take tasks from one queue and give every outcome back, however the workers
 * misbehave: each task ends exactly once, as a value, a failure, a timeout or a cancellation. A
 * worker that dies takes only its own task with it (which fails, or runs again per its options),
 * and is replaced; a task past its timeout has its worker killed and replaced.
 *
 * <pre>{@code
 * try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(4).build())) {
 *     TaskHandle<Integer> one = pool.submit(() -> 6 * 7);
 *     List<Integer> squares = pool.map((Integer x) -> x * x, List.of(1, 2, 3));   // [1, 4, 9]
 *     TaskHandle<String> slow = pool.submit(() -> fetch(url),
 *             TaskOptions.<String>builder().timeout(Duration.ofSeconds(5)).retriesOnTimeout(1).build());
 *     System.out.println(one.future().get() + " " + squares + " " + pool.stats());
 * }
 * }</pre>
 *
 * <p>Exceptions, one rule for every path ({@link TaskHandle#future()}, {@link Worker#future()},
 * {@link #invokeAny}, the {@link #asExecutorService()} view, batches and callbacks): when a task
 * throws, the failure is <em>the task's own exception</em> — the cause of the
 * {@link ExecutionException} or {@link java.util.concurrent.CompletionException} a caller sees —
 * of its own class when it can travel back from a process, a {@link RemoteThrowable} standing in
 * for it when it cannot, with the worker-side stack trace either way. procpool's context (task id,
 * worker name, pid, attempt) rides along as a suppressed {@link FailureContext}, so it changes no
 * type a caller catches. Calls that return a value instead of a future and so cannot throw the
 * task's checked exceptions ({@link #map}, {@link Worker#result()},
 * {@link PersistentWorker#nextResult}) throw {@link TaskFailedException} whose cause is that same
 * exception. Outcomes that are procpool's own are its own types: {@link WorkerDiedException},
 * {@link TaskTimeoutException}, {@link java.util.concurrent.CancellationException} (a cancelled
 * task; on a {@code Future}, thrown by {@code get} itself).
 *
 * <pre>{@code
 * try {
 *     pool.submit(() -> Integer.parseInt(text)).future().get();
 * } catch (ExecutionException e) {
 *     if (e.getCause() instanceof NumberFormatException bad) { ... }   // as with any ExecutorService
 * }
 * }</pre>
 *
 * <p>Tasks: a pool of {@link WorkerType#THREAD} workers runs each task object itself, with no
 * serialization and no copy, so a task may capture anything. A pool that has process or remote
 * workers serializes every task at submit (it may go to any worker), and refuses one that cannot
 * be with a {@link TaskNotSerializableException} naming the class.
 *
 * <p>Threading: every method may be called from any thread. Futures complete on procpool I/O
 * threads; callbacks run per {@link CallbackMode}. Shutdown follows {@link ExecutorService}:
 * {@link #shutdown()} finishes what was submitted, {@link #shutdownNow()} returns what never
 * started and stops the rest, {@link #awaitTermination} waits for the workers to be gone.
 */
public interface Pool extends AutoCloseable {

    /**
     * Creates a pool and starts its minimum number of workers.
     *
     * @throws WorkerStartException if a minimum worker cannot be started
     */
    static Pool create(PoolOptions options) throws WorkerStartException {
        return PoolImpl.create(options);
    }

    /** Creates a pool with the default options. */
    static Pool create() throws WorkerStartException {
        return create(PoolOptions.defaults());
    }

    /** Submits a task with default options. */
    <R> TaskHandle<R> submit(Task<R> task);

    /**
     * Submits a plain {@link java.util.concurrent.Callable} with default options: on a pool of
     * thread workers whatever it captures; a pool with process or remote workers refuses one that
     * cannot be serialized with a {@link TaskNotSerializableException} naming its class.
     */
    default <R> TaskHandle<R> submit(java.util.concurrent.Callable<R> task) {
        return submit(Task.of(task));
    }

    /**
     * Submits a task.
     *
     * @throws TaskNotSerializableException if the task cannot be serialized (nothing is queued)
     * @throws TaskRejectedException if the pool is shut down, or full under {@link RejectionPolicy#ABORT}
     */
    <R> TaskHandle<R> submit(Task<R> task, TaskOptions<? super R> options);

    /**
     * Submits several tasks as one batch and returns at once; fetch the results later with
     * {@link #fetchResults(long)}.
     */
    <R> Batch<R> submitBatch(List<? extends Task<R>> tasks);

    /**
     * Takes the results of every batch that have arrived and not been fetched, in completion order.
     * Does not block.
     */
    List<BatchResult<?>> fetchResults();

    /** Takes one batch's results that have arrived and not been fetched, in completion order. */
    <R> List<BatchResult<R>> fetchResults(long batchId);

    /** Waits until every task of the batch has ended; returns whether they did within the timeout. */
    boolean awaitBatch(long batchId, Duration timeout) throws InterruptedException;

    /**
     * Applies {@code function} to every input and returns the results in input order. Inputs are
     * sent in chunks (about four per worker), so a million trivial inputs cost a few hundred
     * messages, not a million.
     *
     * @throws TaskFailedException for the first input (in input order) whose call failed, after
     *     all calls have ended
     */
    <A, R> List<R> map(TaskFunction<A, R> function, Collection<? extends A> inputs) throws InterruptedException;

    /**
     * Applies {@code function} to every input, one task each, and returns their results in
     * completion order as they arrive. Each element is a handle whose future is done.
     */
    <A, R> Iterator<TaskHandle<R>> mapUnordered(TaskFunction<A, R> function, Collection<? extends A> inputs);

    /** The given handles in the order they complete; each {@code next()} blocks until one does. */
    <R> Iterator<TaskHandle<R>> completionOrder(Collection<TaskHandle<R>> handles);

    /** Submits all and waits until all have ended; the handles are in submission order. */
    <R> List<TaskHandle<R>> invokeAll(Collection<? extends Task<R>> tasks) throws InterruptedException;

    /**
     * Submits all and returns the value of the first that succeeds, cancelling the others.
     *
     * @throws ExecutionException if none succeeded (its cause is the last failure)
     * @throws TimeoutException if none succeeded within the timeout
     */
    <R> R invokeAny(Collection<? extends Task<R>> tasks, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException;

    /**
     * This pool as an {@link ExecutorService}, for code written against that interface; it keeps
     * that interface's contract on every kind of worker. Its futures are the tasks'
     * {@link TaskHandle#future()}s: {@code cancel(false)} keeps a queued task from ever running
     * and lets a running one finish (its outcome dropped); {@code cancel(true)} also interrupts a
     * running task on a thread worker and stops (and replaces) a process or remote worker running
     * it. An interrupted or timed-out {@code invokeAll} cancels every unfinished task;
     * {@code invokeAny} cancels the rest once one succeeds. {@code shutdownNow} returns the tasks
     * that never started (a {@code Runnable} given to it as itself) and stops the running ones;
     * shutting the view down shuts the pool down.
     *
     * <p>Where it differs from a thread pool, because a task may cross to another process:
     * <ul>
     * <li>On a pool with process or remote workers, a {@code Runnable} or {@code Callable} must be
     * {@link java.io.Serializable}; one that is not is refused at the call with a
     * {@link java.util.concurrent.RejectedExecutionException} whose cause is the
     * {@link TaskNotSerializableException} naming the class. So
     * {@code CompletableFuture.supplyAsync(s, view)} works on a pool of thread workers only (the
     * {@code CompletableFuture} machinery it submits cannot leave this JVM); elsewhere use
     * {@code pool.submit(task).future()}, which is a {@code CompletableFuture} already.</li>
     * <li>A process worker runs a copy: side effects on objects the task captured stay in that
     * process, and {@code submit(runnable, result)} returns a copy of {@code result}.</li>
     * <li>A failure of a task given to {@code execute} is logged (there is no thread whose
     * uncaught-exception handler could see it).</li>
     * </ul>
     */
    ExecutorService asExecutorService();

    /** In {@link CallbackMode#ON_DEMAND}: runs the callbacks of the tasks that have ended so far. */
    int processResults();

    /**
     * In {@link CallbackMode#ON_DEMAND}: waits until every task submitted so far has ended, running
     * callbacks as they do. In {@link CallbackMode#DAEMON}: waits until every task has ended and its
     * callbacks have run.
     *
     * @return how many callbacks this call ran
     */
    int processAllResults() throws InterruptedException;

    /** Whether a task submitted now would start without waiting (an idle worker, or room to grow). */
    boolean hasFreeSlots();

    /** Whether the queue is at capacity. */
    boolean isFull();

    /**
     * The pool's live workers (started or starting, not yet exited), in the order they were
     * started, as handles to inspect and stop them (pyworkers' {@code pool.workers}). Killing one
     * from its handle is the same as killing its process from outside: see {@link PooledWorker}.
     *
     * <pre>{@code
     * pool.workers().forEach(PooledWorker::kill);   // every running task fails or is retried
     * }</pre>
     */
    List<PooledWorker> workers();

    /** A snapshot of the counters. */
    PoolStats stats();

    /**
     * What the pool is doing now: each worker with its state, current task and its age, and the
     * memory and CPU time of its process; the latest failures with their worker-side stack
     * traces; throughput. Cheap enough to call every 100 ms; {@link dev.procpool.status.StatusServer}
     * shows it live in a browser.
     *
     * <pre>{@code
     * pool.status().workers().forEach(w -> System.out.println(w.name() + " " + w.state() + " " + w.rssBytes()));
     * }</pre>
     */
    dev.procpool.status.PoolStatus status();

    /** Replaces every worker, letting each finish its current task first. */
    void restartWorkers();

    /** Accepts no more tasks; what was submitted runs to the end, then the workers exit. */
    void shutdown();

    /** {@link #shutdown()}, and drops results not yet fetched or processed. */
    void shutdownClear();

    /**
     * Accepts no more tasks, cancels the queued ones and returns them, and stops the running ones:
     * their workers are stopped (interrupt, SIGTERM, SIGKILL after the grace) and their tasks end
     * as {@link TaskState#CANCELLED}.
     */
    List<Task<?>> shutdownNow();

    /** Whether shutdown began. */
    boolean isShutdown();

    /** Whether shutdown finished: every task ended and every worker is gone. */
    boolean isTerminated();

    /** Waits for {@link #isTerminated()}; returns it. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /**
     * Waits up to {@code timeout} for every task submitted so far to end (PyExPool's
     * {@code join(timeout)}); if some have not, shuts down now and stops them.
     *
     * @return whether everything finished within the timeout
     */
    boolean join(Duration timeout) throws InterruptedException;

    /**
     * {@link #shutdown()}, waits up to {@link PoolOptions#closeTimeout()}, then {@link #shutdownNow()}
     * and waits for the workers to be gone. Restores the interrupt flag if interrupted.
     */
    @Override
    void close();
}
