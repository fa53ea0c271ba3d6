package dev.procpool.internal;

import dev.procpool.CallbackMode;
import dev.procpool.PoolOptions;
import dev.procpool.TaskOptions;
import dev.procpool.TaskState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's result and error callbacks: the task's own first, then the pool's. In
 * {@link CallbackMode#DAEMON} they run on one thread of the pool's, in the order decided; in
 * {@link CallbackMode#POLL} they wait for the user's {@code processResults}. Fields are guarded by
 * the pool's lock.
 */
final class PoolCallbacks {
    private static final Logger LOG = LoggerFactory.getLogger(PoolImpl.class);

    private final PoolOptions options;
    private final String poolName;
    /** The daemon callback thread; null when polled. */
    final ExecutorService thread;
    /** Polled callbacks not yet run. */
    private final ArrayDeque<Runnable> pending = new ArrayDeque<>();
    /** Daemon callbacks decided and not yet run: {@code processAllResults} waits for them. */
    int daemonPending;

    PoolCallbacks(PoolOptions options, String poolName) {
        this.options = options;
        this.poolName = poolName;
        this.thread = options.callbackMode() == CallbackMode.DAEMON
                ? Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "procpool-callbacks-" + poolName);
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    boolean isDaemon() {
        return thread != null;
    }

    void addPolled(Runnable r) {
        pending.addLast(r);
    }

    List<Runnable> takePolled() {
        List<Runnable> batch = new ArrayList<>(pending);
        pending.clear();
        return batch;
    }

    boolean nonePolled() {
        return pending.isEmpty();
    }

    void clear() {
        pending.clear();
    }

    /** The callbacks of a task that ended, or null if it has none. Failures are logged, never propagated. */
    <R> Runnable forTask(PoolTask<R> t, TaskState end, Object value, Throwable error) {
        TaskOptions<? super R> o = t.options;
        boolean succeeded = end == TaskState.SUCCEEDED;
        boolean pool = !o.skipPoolCallbacks() && (succeeded ? options.onResult() != null : options.onError() != null);
        boolean own = succeeded ? o.onResult().isPresent() : o.onError().isPresent();
        if (!pool && !own) {
            return null;
        }
        return () -> {
            try {
                if (succeeded) {
                    @SuppressWarnings("unchecked")
                    R r = (R) value;
                    o.onResult().ifPresent(c -> c.accept(r));
                } else {
                    o.onError().ifPresent(c -> c.accept(error));
                }
            } catch (RuntimeException e) {
                LOG.warn("the callback of task {} in pool {} threw; the pool goes on", t.id, poolName, e);
            }
            if (pool) {
                try {
                    if (succeeded) {
                        options.onResult().accept(t, value);
                    } else {
                        options.onError().accept(t, error);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("the pool callback for task {} in pool {} threw; the pool goes on", t.id, poolName, e);
                }
            }
        };
    }
}
