package dev.procpool.internal;

import dev.procpool.WorkerStartException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one pool event decided under the pool's lock, carried out after the lock is released, in
 * this order: frames to workers, cancels and recalls, end of input, stops, callbacks handed to the
 * callback thread, futures completed, workers started. Nothing here runs under the pool's lock, so
 * user code (dependent actions of a future, callbacks) and I/O never hold up another event.
 *
 * <p>Where the event happened decides what may wait: on a {@link Origin#USER} thread (a submit) a
 * call may be written at once, waiting for that worker alone; everywhere else frames go out
 * without waiting (see {@link PoolWorker#drain}). A worker is started on the user's thread whose
 * call needed it, else on a hand-off thread; on the {@link Origin#TIMER} futures are completed on a
 * hand-off thread too, so the shared timer only ever decides.
 */
final class PoolActions {
    /** The kind of thread an event happened on. */
    enum Origin {
        /** A thread of the user's: it may wait for the worker its own call goes to. */
        USER,
        /** A worker's I/O thread: it may wait for its own worker only. */
        IO,
        /** The shared timer: it waits for nothing. */
        TIMER
    }

    private final Origin origin;
    private static final Logger LOG = LoggerFactory.getLogger(PoolImpl.class);

    final List<Runnable> completions = new ArrayList<>(1);
    final List<Runnable> callbacks = new ArrayList<>(0);
    final List<PoolWorker> drains = new ArrayList<>(1);
    final List<PoolWorker> spawn = new ArrayList<>(0);
    final List<PoolWorker> endInput = new ArrayList<>(0);
    final List<PoolWorker> stop = new ArrayList<>(0);
    final List<Runnable> cancels = new ArrayList<>(0);

    PoolActions(Origin origin) {
        this.origin = origin;
    }

    /** Frames were put in this worker's outbox. */
    void drain(PoolWorker w) {
        if (!drains.contains(w)) {
            drains.add(w);
        }
    }

    void run(String poolName, ExecutorService callbackThread) {
        boolean mayWait = origin == Origin.USER;
        for (PoolWorker w : drains) {
            w.drain(mayWait);
        }
        cancels.forEach(Runnable::run);
        for (PoolWorker w : endInput) {
            w.drain(mayWait);
            Engine e = w.engine();
            if (e != null) {
                e.endInput(); // else start() sends it
            }
        }
        for (PoolWorker w : stop) {
            w.stop();
        }
        // callbacks are handed over before futures complete: a slow dependent action of a
        // future must not hold them back
        for (Runnable r : callbacks) {
            try {
                callbackThread.execute(r);
            } catch (RejectedExecutionException e) {
                r.run(); // the pool terminated meanwhile: run it here rather than drop it
            }
        }
        if (origin == Origin.TIMER && !completions.isEmpty()) {
            List<Runnable> now = new ArrayList<>(completions);
            Controller.get().handOff(() -> now.forEach(Runnable::run));
        } else {
            for (Runnable r : completions) {
                r.run();
            }
        }
        for (PoolWorker w : spawn) {
            Runnable start = () -> {
                try {
                    w.start();
                } catch (WorkerStartException e) {
                    LOG.warn("pool {} could not start worker {}: {}", poolName, w.name(), e.getMessage());
                }
            };
            if (origin == Origin.USER) {
                start.run(); // the user's own call pays for the start it caused, as before
            } else {
                Controller.get().handOff(start);
            }
        }
    }
}
