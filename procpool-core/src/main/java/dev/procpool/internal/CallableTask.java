package dev.procpool.internal;

import dev.procpool.Task;
import java.util.concurrent.Callable;

/**
 * A plain {@link Callable} as a {@link Task} ({@link Task#of}): serializable exactly when the
 * callable is, so it runs on a thread worker whatever it captures, and crosses to a process only
 * if it can be serialized.
 */
public final class CallableTask<R> implements Task<R> {
    private static final long serialVersionUID = 1L;
    private final Callable<R> callable;

    /** Wraps it; use {@link Task#of}. */
    public CallableTask(Callable<R> callable) {
        this.callable = callable;
    }

    @Override
    public R call() throws Exception {
        return callable.call();
    }

    /** The callable, whose class names the task in messages. */
    public Callable<R> callable() {
        return callable;
    }

    @Override
    public String toString() {
        return callable.toString();
    }
}
