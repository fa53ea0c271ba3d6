package dev.procpool.internal;

import dev.procpool.Pool;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskNotSerializableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Pool} seen as an {@link ExecutorService}. Every method is implemented directly (not
 * through {@code AbstractExecutorService}, whose {@code FutureTask}s could not cross to a process),
 * and the futures returned are the pool's own ({@code TaskHandle.future()}): cancelling one
 * cancels the task in the pool.
 */
final class PoolExecutorService implements ExecutorService {
    private static final Logger LOG = LoggerFactory.getLogger(PoolExecutorService.class);

    private final Pool pool;

    PoolExecutorService(Pool pool) {
        this.pool = pool;
    }

    /** A Runnable or Callable as a Task; serializable exactly when the wrapped object is. */
    static final class Wrapped<T> implements Task<T> {
        private static final long serialVersionUID = 1L;
        private final Callable<T> callable;
        private final Runnable runnable;
        private final T result;

        Wrapped(Callable<T> callable, Runnable runnable, T result) {
            this.callable = callable;
            this.runnable = runnable;
            this.result = result;
        }

        @Override
        public T call() throws Exception {
            if (callable != null) {
                return callable.call();
            }
            runnable.run();
            return result;
        }

        Object wrapped() {
            return callable != null ? callable : runnable;
        }
    }

    /** The class a user would recognize: the wrapped Runnable's or Callable's, not the wrapper's. */
    static String describe(Object task) {
        Object shown = task instanceof Wrapped<?> w ? w.wrapped() : task instanceof CallableTask<?> c ? c.callable() : task;
        return shown == null ? "null" : shown.getClass().getName();
    }

    private static <T> Task<T> task(Callable<T> c) {
        Objects.requireNonNull(c, "task");
        return c instanceof Task<T> t ? t : new Wrapped<>(c, null, null);
    }

    private static <T> Task<T> task(Runnable r, T result) {
        Objects.requireNonNull(r, "task");
        return new Wrapped<>(null, r, result);
    }

    /**
     * Submits through the pool. A task the pool cannot take is a {@link RejectedExecutionException},
     * as the interface says; one that cannot be serialized for a process worker keeps its
     * {@link TaskNotSerializableException} (naming the class) as the cause.
     */
    private <T> TaskHandle<T> submitTask(Task<T> t) {
        try {
            return pool.submit(t);
        } catch (TaskNotSerializableException e) {
            throw new RejectedExecutionException(e.getMessage(), e);
        }
    }

    @Override
    public void execute(Runnable command) {
        TaskHandle<Object> h = submitTask(task(command, null));
        // nobody holds a future for it: a failure would otherwise vanish (a thread pool's thread
        // would report it to its uncaught-exception handler)
        h.future().whenComplete((v, e) -> {
            if (e != null && !(e instanceof CancellationException)) {
                LOG.warn("task {} ({}) given to execute() failed", h.id(), describe(command),
                        e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return submitTask(task(task)).future();
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return submitTask(task(task, result)).future();
    }

    @Override
    public Future<?> submit(Runnable task) {
        return submitTask(task(task, null)).future();
    }

    /** Checks every element before submitting any, so a null submits nothing. */
    private static <T> List<Task<T>> tasks(Collection<? extends Callable<T>> tasks) {
        Objects.requireNonNull(tasks, "tasks");
        List<Task<T>> out = new ArrayList<>(tasks.size());
        for (Callable<T> c : tasks) {
            out.add(task(c));
        }
        return out;
    }

    private <T> List<Future<T>> submitAll(List<Task<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Task<T> t : tasks) {
                futures.add(submitTask(t).future());
            }
        } catch (RuntimeException e) {
            cancelAll(futures); // all or nothing: what was submitted before the refusal is withdrawn
            throw e;
        }
        return futures;
    }

    /**
     * Cancels from the last to the first: the later ones are the ones still waiting, and they must
     * be withdrawn before an earlier one's interrupt frees a worker that would take them.
     */
    private static <T> void cancelAll(List<Future<T>> futures) {
        for (int i = futures.size() - 1; i >= 0; i--) {
            futures.get(i).cancel(true);
        }
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks(tasks));
        try {
            for (Future<T> f : futures) {
                awaitDone(f, Long.MAX_VALUE);
            }
        } catch (InterruptedException | RuntimeException e) {
            cancelAll(futures);
            throw e;
        }
        return futures;
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        List<Task<T>> checked = tasks(tasks);
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(checked);
        try {
            for (Future<T> f : futures) {
                if (!awaitDone(f, deadline - System.nanoTime())) {
                    break;
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            cancelAll(futures);
            throw e;
        }
        cancelAll(futures); // no-op for the done ones; the rest did not finish in time
        return futures;
    }

    /** Waits for a future to be done, whatever its outcome; false if {@code nanos} passed first. */
    private static boolean awaitDone(Future<?> f, long nanos) throws InterruptedException {
        if (f.isDone()) {
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        try {
            if (nanos == Long.MAX_VALUE) {
                f.get();
            } else {
                f.get(nanos, TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | CancellationException e) {
            // the outcome stays in the future
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("an unbounded invokeAny timed out", e);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        Objects.requireNonNull(unit, "unit");
        List<Task<T>> checked = tasks(tasks);
        if (checked.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        try {
            return pool.invokeAny(checked, Duration.ofNanos(unit.toNanos(timeout)));
        } catch (TaskNotSerializableException e) {
            throw new RejectedExecutionException(e.getMessage(), e);
        }
    }

    @Override
    public void shutdown() {
        pool.shutdown();
    }

    /**
     * Shuts the pool down now. The list holds the tasks that never started: a {@code Runnable}
     * given to {@code execute} or {@code submit} as itself, any other task as a {@code Runnable}
     * that calls it.
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<Runnable> out = new ArrayList<>();
        for (Task<?> t : pool.shutdownNow()) {
            if (t instanceof Wrapped<?> w && w.wrapped() instanceof Runnable r) {
                out.add(r);
            } else {
                out.add(() -> {
                    try {
                        t.call();
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                });
            }
        }
        return out;
    }

    @Override
    public boolean isShutdown() {
        return pool.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        return pool.awaitTermination(Duration.ofNanos(Math.max(0, unit.toNanos(timeout))));
    }

    @Override
    public String toString() {
        return "ExecutorService view of " + pool;
    }
}
