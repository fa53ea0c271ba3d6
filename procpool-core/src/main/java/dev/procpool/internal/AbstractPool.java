package dev.procpool.internal;

import dev.procpool.FailureContext;
import dev.procpool.Pool;
import dev.procpool.ProcpoolException;
import dev.procpool.Task;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskFunction;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pool operations that are compositions of {@link #submit(Task, TaskOptions)}, the way
 * {@code AbstractExecutorService} carries {@code invokeAll} and {@code invokeAny} on top of
 * {@code execute}: map, mapUnordered, completionOrder, invokeAll, invokeAny and the
 * {@link ExecutorService} view. They know nothing of workers or locks.
 */
abstract class AbstractPool implements Pool {

    /** How many workers the pool may have: {@link #map} cuts its inputs into four chunks per worker. */
    abstract int maxWorkers();

    /** Per-worker functions that replace a mapped function on the worker of that index. */
    abstract Map<Integer, TaskFunction<?, ?>> functionOverrides();

    @Override
    public <R> TaskHandle<R> submit(Task<R> task) {
        return submit(task, TaskOptions.defaults());
    }

    @Override
    public <A, R> List<R> map(TaskFunction<A, R> function, Collection<? extends A> inputs) throws InterruptedException {
        List<A> all = new ArrayList<>(inputs);
        int chunk = Math.max(1, (int) Math.ceil(all.size() / (maxWorkers() * 4.0)));
        List<TaskHandle<ArrayList<R>>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += chunk) {
            ArrayList<A> part = new ArrayList<>(all.subList(from, Math.min(all.size(), from + chunk)));
            chunks.add(submit(new MapChunk<>(function, functionOverrides(), part)));
        }
        List<R> out = new ArrayList<>(all.size());
        RuntimeException first = null;
        for (TaskHandle<ArrayList<R>> c : chunks) {
            try {
                out.addAll(c.future().get());
            } catch (ExecutionException e) {
                if (first == null) {
                    first = failure(e.getCause());
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return out;
    }

    /**
     * What {@link #map} throws for a failed call: the task's own exception inside a
     * {@link TaskFailedException} naming where it ran; procpool's own outcomes (a dead worker, a
     * timeout, a cancel) as they are.
     */
    private static RuntimeException failure(Throwable cause) {
        if (cause instanceof ProcpoolException p && !(cause instanceof FailureContext)
                && FailureContext.of(cause).isEmpty()) {
            return p; // procpool's own: WorkerDiedException, TaskTimeoutException, ...
        }
        if (cause instanceof CancellationException c) {
            return c;
        }
        FailureContext where = FailureContext.of(cause).orElse(null);
        return where == null ? new TaskFailedException("?", -1, cause)
                : new TaskFailedException(where.workerName(), where.pid(), cause);
    }

    @Override
    public <A, R> Iterator<TaskHandle<R>> mapUnordered(TaskFunction<A, R> function, Collection<? extends A> inputs) {
        List<TaskHandle<R>> handles = new ArrayList<>(inputs.size());
        for (A a : inputs) {
            handles.add(submit(() -> function.apply(a)));
        }
        return completionOrder(handles);
    }

    @Override
    public <R> Iterator<TaskHandle<R>> completionOrder(Collection<TaskHandle<R>> handles) {
        LinkedBlockingQueue<TaskHandle<R>> done = new LinkedBlockingQueue<>();
        for (TaskHandle<R> h : handles) {
            h.future().whenComplete((v, e) -> done.add(h));
        }
        int total = handles.size();
        return new Iterator<>() {
            private int taken;

            @Override
            public boolean hasNext() {
                return taken < total;
            }

            @Override
            public TaskHandle<R> next() {
                if (taken >= total) {
                    throw new NoSuchElementException();
                }
                try {
                    TaskHandle<R> h = done.take();
                    taken++;
                    return h;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("interrupted while waiting for the next completed task");
                }
            }
        };
    }

    /** Submits every task, or none: if one is refused, those submitted before it are cancelled. */
    private <R> List<TaskHandle<R>> submitAll(Collection<? extends Task<R>> tasks) {
        for (Task<R> t : tasks) {
            Objects.requireNonNull(t, "a task in the collection is null");
        }
        List<TaskHandle<R>> handles = new ArrayList<>(tasks.size());
        try {
            for (Task<R> t : tasks) {
                handles.add(submit(t));
            }
        } catch (RuntimeException e) {
            cancelAll(handles);
            throw e;
        }
        return handles;
    }

    /**
     * Cancels from the last to the first: the later ones are the ones still waiting, and they must
     * be withdrawn before an earlier one's interrupt frees a worker that would take them.
     */
    private static <R> void cancelAll(List<TaskHandle<R>> handles) {
        for (int i = handles.size() - 1; i >= 0; i--) {
            handles.get(i).cancel();
        }
    }

    @Override
    public <R> List<TaskHandle<R>> invokeAll(Collection<? extends Task<R>> tasks) throws InterruptedException {
        List<TaskHandle<R>> handles = submitAll(tasks);
        try {
            for (TaskHandle<R> h : handles) {
                try {
                    h.future().get();
                } catch (ExecutionException | CancellationException e) {
                    // the handle holds the outcome
                }
            }
        } catch (InterruptedException e) {
            cancelAll(handles); // the caller gave up: nothing of it runs on
            throw e;
        }
        return handles;
    }

    @Override
    public <R> R invokeAny(Collection<? extends Task<R>> tasks, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TaskHandle<R>> handles = submitAll(tasks);
        LinkedBlockingQueue<TaskHandle<R>> done = new LinkedBlockingQueue<>();
        for (TaskHandle<R> h : handles) {
            h.future().whenComplete((v, e) -> done.add(h));
        }
        Throwable last = null;
        try {
            for (int i = 0; i < handles.size(); i++) {
                TaskHandle<R> h = done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (h == null) {
                    throw new TimeoutException("no task succeeded within " + timeout);
                }
                try {
                    return h.future().get();
                } catch (ExecutionException e) {
                    last = e.getCause();
                } catch (CancellationException e) {
                    last = e;
                }
            }
            throw new ExecutionException("no task succeeded; the last failure is the cause", last);
        } finally {
            cancelAll(handles);
        }
    }

    @Override
    public ExecutorService asExecutorService() {
        return new PoolExecutorService(this);
    }
}
