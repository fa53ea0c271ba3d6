package dev.procpool.internal;

import dev.procpool.Pool;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Pool} seen as an {@link ExecutorService}. Every method is implemented directly (not
 * through {@code AbstractExecutorService}, whose {@code FutureTask}s could not cross to a process),
 * and the futures returned are the pool's own.
 */
final class PoolExecutorService implements ExecutorService {
    private final Pool pool;

    PoolExecutorService(Pool pool) {
        this.pool = pool;
    }

    /** A Runnable or Callable as a Task; serializable exactly when the wrapped object is. */
    private static final class Wrapped<T> implements Task<T> {
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

    private static <T> Task<T> task(Callable<T> c) {
        return c instanceof Task<?> ? asTask(c) : new Wrapped<>(c, null, null);
    }

    @SuppressWarnings("unchecked")
    private static <T> Task<T> asTask(Callable<T> c) {
        return (Task<T>) c;
    }

    @Override
    public void execute(Runnable command) {
        pool.submit(new Wrapped<>(null, command, null));
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return pool.submit(task(task)).future();
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return pool.submit(new Wrapped<>(null, task, result)).future();
    }

    @Override
    public Future<?> submit(Runnable task) {
        return pool.submit(new Wrapped<>(null, task, null)).future();
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Task<T>> wrapped = new ArrayList<>();
        for (Callable<T> c : tasks) {
            wrapped.add(task(c));
        }
        List<Future<T>> out = new ArrayList<>();
        for (TaskHandle<T> h : pool.invokeAll(wrapped)) {
            out.add(h.future());
        }
        return out;
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<TaskHandle<T>> handles = new ArrayList<>();
        for (Callable<T> c : tasks) {
            handles.add(pool.submit(task(c)));
        }
        List<Future<T>> out = new ArrayList<>();
        for (TaskHandle<T> h : handles) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    h.future().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (ExecutionException | java.util.concurrent.CancellationException | TimeoutException e) {
                // outcome kept in the future; unfinished ones are cancelled below
            }
            if (!h.future().isDone()) {
                h.cancel();
            }
            out.add(h.future());
        }
        return out;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ExecutionException("unreachable: an unbounded invokeAny timed out", e);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<Task<T>> wrapped = new ArrayList<>();
        for (Callable<T> c : tasks) {
            wrapped.add(task(c));
        }
        return pool.invokeAny(wrapped, Duration.ofNanos(unit.toNanos(timeout)));
    }

    @Override
    public void shutdown() {
        pool.shutdown();
    }

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
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
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
        return pool.awaitTermination(Duration.ofNanos(unit.toNanos(timeout)));
    }

    @Override
    public String toString() {
        return "ExecutorService view of " + pool;
    }
}
