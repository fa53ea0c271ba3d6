package dev.procpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Several workers started, awaited and stopped together, whose outcomes also arrive on one shared
 * queue, each tagged with its worker's name, in completion order.
 *
 * <pre>{@code
 * try (WorkerGroup<Integer> group = new WorkerGroup<>()) {
 *     group.start(WorkerType.PROCESS, () -> 1234 * 5678);
 *     group.start(WorkerType.THREAD, () -> 678 * 678);
 *     group.awaitAll(Duration.ofSeconds(30));
 *     for (TaggedResult<Integer> r : group.drainResults()) {
 *         System.out.println(r.workerName() + ": " + r.get());
 *     }
 * }
 * }</pre>
 *
 * <p>Each worker's outcome is queued exactly once, when it reaches a terminal state; a worker
 * that is restarted queues again when its new incarnation ends. Thread-safe.
 *
 * @param <R> the result type of the workers
 */
public final class WorkerGroup<R> implements AutoCloseable {
    private final List<Worker<R>> workers = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<TaggedResult<R>> results = new LinkedBlockingQueue<>();

    /** Creates an empty group. */
    public WorkerGroup() {
    }

    /** Starts a one-shot worker with default options and adds it. */
    public Worker<R> start(WorkerType type, Task<R> task) throws WorkerStartException {
        return add(Workers.start(type, task));
    }

    /** Starts a one-shot worker and adds it. */
    public Worker<R> start(WorkerType type, Task<R> task, WorkerOptions options) throws WorkerStartException {
        return add(Workers.start(type, task, options));
    }

    /** Starts a one-shot worker running a plain Callable ({@link Workers#start(WorkerType, java.util.concurrent.Callable, WorkerOptions)}) and adds it. */
    public Worker<R> start(WorkerType type, java.util.concurrent.Callable<R> task, WorkerOptions options)
            throws WorkerStartException {
        return add(Workers.start(type, task, options));
    }

    /** Adds a worker started elsewhere; its outcome will be queued when it ends. */
    public Worker<R> add(Worker<R> worker) {
        Objects.requireNonNull(worker, "worker");
        workers.add(worker);
        worker.future().whenComplete((value, error) -> results.add(new TaggedResult<>(worker.name(), worker,
                error == null ? value : null, error == null ? null : failure(worker, error))));
        return worker;
    }

    /**
     * A result's failure as {@link TaggedResult#get()} throws it: a task that threw as a
     * {@link TaskFailedException} whose cause is its own exception (as {@link Worker#result()}
     * does), procpool's own outcomes as they are.
     */
    private static RuntimeException failure(Worker<?> worker, Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (worker.state() == WorkerState.FAILED) {
            return new TaskFailedException(worker.name(), worker.pid(), cause);
        }
        return cause instanceof RuntimeException r ? r : new ProcpoolException(cause.toString(), cause);
    }

    /** The workers, in the order they were added. */
    public List<Worker<R>> workers() {
        return List.copyOf(workers);
    }

    /**
     * Waits until every worker is terminal.
     *
     * @return whether all are terminal within the timeout
     */
    public boolean awaitAll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Worker<R> w : workers) {
            if (!w.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes the next outcome from the shared queue, in completion order.
     *
     * @throws TimeoutException if none arrives within the timeout
     */
    public TaggedResult<R> nextResult(Duration timeout) throws InterruptedException, TimeoutException {
        TaggedResult<R> r = results.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (r == null) {
            throw new TimeoutException("no worker of the group ended within " + timeout);
        }
        return r;
    }

    /** Takes every outcome queued so far, in completion order, without waiting. */
    public List<TaggedResult<R>> drainResults() {
        List<TaggedResult<R>> out = new ArrayList<>();
        results.drainTo(out);
        return out;
    }

    /** Terminates every worker that still runs, all at once, each with {@code grace}. */
    public void terminateAll(Duration grace) throws InterruptedException {
        List<Thread> stoppers = new ArrayList<>();
        for (Worker<R> w : workers) {
            if (!w.state().isTerminal()) {
                Thread t = new Thread(() -> {
                    try {
                        w.terminate(grace);
                    } catch (InterruptedException e) {
                        w.kill();
                    }
                }, "procpool-stop-" + w.name());
                t.setDaemon(true);
                t.start();
                stoppers.add(t);
            }
        }
        for (Thread t : stoppers) {
            t.join();
        }
    }

    /** Closes every worker ({@link Worker#close()}: let work finish, bounded, then terminate). */
    @Override
    public void close() {
        for (Worker<R> w : workers) {
            w.close();
        }
    }

    @Override
    public String toString() {
        long running = workers.stream().filter(w -> !w.state().isTerminal()).count();
        return "WorkerGroup{workers=" + workers.size() + ", running=" + running + ", queued results=" + results.size() + "}";
    }
}
