package dev.procpool.internal;

import dev.procpool.internal.protocol.FrameChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this JVM shares among its process workers: one timer thread for heartbeats and start
 * deadlines, and the shutdown hook that stops every
 * live worker when this JVM exits (normally, on SIGINT/SIGTERM, or by {@code System.exit}).
 *
 * <p>A hard death of this JVM (SIGKILL, crash) runs no hook; then each child notices its socket
 * close within milliseconds, kills its own descendants and halts (see {@code ChildMain}).
 */
final class Controller {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    private static final Controller INSTANCE = new Controller();

    private final Set<ProcessEngine> live = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService timer;
    private volatile boolean hooked;
    private volatile boolean shuttingDown;

    private Controller() {
    }

    static Controller get() {
        return INSTANCE;
    }

    boolean isShuttingDown() {
        return shuttingDown;
    }

    private final java.util.concurrent.LinkedBlockingQueue<FrameChannel> toFlush = new java.util.concurrent.LinkedBlockingQueue<>();
    private volatile Thread flusher;

    /**
     * Writes channels whose frames come in a burst (see {@link FrameChannel#flushSoon}), on one
     * shared thread, so that a caller enqueuing many calls does not pay a system call for each.
     */
    void flushSoon(FrameChannel channel) {
        if (flusher == null) {
            synchronized (this) {
                if (flusher == null) {
                    Thread t = new Thread(() -> {
                        while (true) {
                            try {
                                toFlush.take().flushQueued();
                            } catch (InterruptedException e) {
                                return;
                            } catch (RuntimeException e) {
                                LOG.warn("flushing a worker channel failed", e);
                            }
                        }
                    }, "procpool-flusher");
                    t.setDaemon(true);
                    t.start();
                    flusher = t;
                }
            }
        }
        toFlush.add(channel);
    }

    ScheduledExecutorService timer() {
        ScheduledExecutorService t = timer;
        if (t == null) {
            synchronized (this) {
                if (timer == null) {
                    timer = Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread th = new Thread(r, "procpool-timer");
                        th.setDaemon(true);
                        return th;
                    });
                }
                t = timer;
            }
        }
        return t;
    }

    void register(ProcessEngine engine) {
        if (!hooked) {
            synchronized (this) {
                if (!hooked) {
                    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "procpool-shutdown"));
                    hooked = true;
                }
            }
        }
        live.add(engine);
    }

    void unregister(ProcessEngine engine) {
        live.remove(engine);
    }

    /** The shutdown hook: close every channel (the child halts on EOF), then SIGKILL stragglers. */
    private void stopAll() {
        shuttingDown = true;
        List<ProcessEngine> engines = new ArrayList<>(live);
        for (ProcessEngine e : engines) {
            e.closeChannel();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ProcessEngine e : engines) {
            long left = deadline - System.nanoTime();
            if (!e.awaitProcessExit(Math.max(0, left))) {
                LOG.warn("worker {} (pid {}) still alive at shutdown; killing it", e.name(), e.pid());
                e.kill();
            }
        }
    }
}
