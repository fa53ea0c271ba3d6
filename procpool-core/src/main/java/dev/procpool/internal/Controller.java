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
 * What this JVM shares among its workers: one timer thread for heartbeats, start deadlines, task
 * timeouts and stop escalation (it only decides; see {@link #timer()}), a hand-off pool for the
 * work those decisions start, and the shutdown hook that stops every
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

    private volatile java.util.concurrent.ExecutorService handoff;

    /**
     * Runs work that must not hold up the thread that decided it: starting a worker (a fork, a
     * connection to a remote server), and completing futures decided on the timer (their dependent
     * actions are user code). A thread per concurrent job, so one slow job delays no other.
     */
    void handOff(Runnable job) {
        java.util.concurrent.ExecutorService h = handoff;
        if (h == null) {
            synchronized (this) {
                if (handoff == null) {
                    handoff = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, 2, TimeUnit.SECONDS,
                            new java.util.concurrent.SynchronousQueue<>(), r -> {
                                Thread th = new Thread(r, "procpool-handoff");
                                th.setDaemon(true);
                                return th;
                            });
                }
                h = handoff;
            }
        }
        h.execute(job);
    }

    /**
     * The shared timer. What runs on it only decides and hands off: it never writes to a socket
     * (frames go through {@link FrameChannel#flushAsync}), never starts a process and never runs
     * user code, so one stalled worker cannot delay another's timeout, heartbeat or start deadline.
     */
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
