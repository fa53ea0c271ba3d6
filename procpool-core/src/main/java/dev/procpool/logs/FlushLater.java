package dev.procpool.logs;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Flushes a buffered sink {@link #DELAY_MILLIS} after its first unflushed write: a flood is
 * written in large chunks, and the last line of a burst still reaches the file (or the log
 * server) promptly instead of waiting for the next event or for close. One daemon thread per
 * sink, started on first use and ended by {@link #close()}; not the shared procpool timer, since
 * a flush may block (a full disk, a stalled server) and must never hold up heartbeats.
 */
final class FlushLater implements AutoCloseable {
    static final long DELAY_MILLIS = 100;

    private final ScheduledThreadPoolExecutor executor;
    private final Runnable flush;
    private final AtomicBoolean pending = new AtomicBoolean();

    FlushLater(String threadName, Runnable flush) {
        this.flush = flush;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.setKeepAliveTime(1, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true); // no thread while nothing is written
    }

    /** Asks for a flush soon, unless one is already coming. */
    void soon() {
        if (pending.compareAndSet(false, true)) {
            try {
                executor.schedule(() -> {
                    pending.set(false); // a write during the flush asks for the next one
                    flush.run();
                }, DELAY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                pending.set(false); // closed: close() flushed for the last time
            }
        }
    }

    /** Drops a pending flush (the caller flushes itself) and ends the thread. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
