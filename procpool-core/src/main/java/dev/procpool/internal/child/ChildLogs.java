package dev.procpool.internal.child;

import dev.procpool.internal.protocol.Buf;
import dev.procpool.internal.protocol.FrameChannel;
import dev.procpool.internal.protocol.Frames;
import dev.procpool.internal.protocol.LogFrames;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker's side of log shipping: SLF4J events (from {@link ChildLogProvider}) are encoded on
 * the logging thread, appended to a batch, and sent as {@link Frames#LOG} frames by the
 * {@code procpool-log} thread, which writes whatever accumulated while its last write was under
 * way (a flood leaves in large frames, a lone event at once).
 *
 * <p>Back-pressure instead of loss: when {@link #MAX_PENDING} bytes are waiting, a logging thread
 * blocks until the sender has handed the batch to the channel; the sender blocks in the socket
 * write while the controller is behind. So a worker that logs faster than the controller can
 * take is slowed down, and nothing is dropped. (If the controller is gone, the channel drops
 * what is written and the worker is about to end anyway: nothing waits forever.)
 *
 * <p>Order with responses: before a RESULT or ERROR is appended, the task thread moves the
 * pending batch into the channel ({@link ChildMain#beforeResponse}), so whatever a task logged
 * reaches the controller before the task's result. Batches enter the channel under
 * {@link #lock}, so they keep the order they were logged in.
 *
 * <p>Encoding happens outside the lock: it calls {@code Throwable.getMessage()}, which is user
 * code that may log in turn.
 */
final class ChildLogs {
    /** Bytes of encoded events that may wait before a logging thread blocks. */
    static final int MAX_PENDING = 256 * 1024;
    private static final int SHRINK_ABOVE = 1 << 20;

    private static volatile ChildLogs instance;

    private final FrameChannel ch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private Buf batch = new Buf(64 * 1024); // guarded by lock
    private int count; // guarded by lock
    private final ThreadLocal<Buf> scratch = new ThreadLocal<>();

    private ChildLogs(FrameChannel ch) {
        this.ch = ch;
    }

    /** The shipper of this worker JVM, or null when this JVM is not a procpool worker. */
    static ChildLogs get() {
        ChildLogs l = instance;
        if (l != null) {
            return l;
        }
        synchronized (ChildLogs.class) {
            if (instance == null) {
                FrameChannel ch = ChildMain.channel();
                if (ch == null) {
                    return null;
                }
                final ChildLogs created = new ChildLogs(ch);
                Thread sender = new Thread(new Runnable() {
                    @Override
                    public void run() {
                        created.sendLoop();
                    }
                }, "procpool-log");
                sender.setDaemon(true);
                sender.start();
                ChildMain.beforeResponse = new Runnable() {
                    @Override
                    public void run() {
                        created.drain();
                    }
                };
                instance = created;
            }
            return instance;
        }
    }

    /** Queues one event; blocks while {@link #MAX_PENDING} bytes are waiting. */
    void log(int level, String logger, String message, Throwable error, java.util.Map<String, String> mdc) {
        Instant now = Instant.now();
        Buf b = scratch.get();
        if (b == null) {
            b = new Buf(512);
        } else {
            scratch.set(null); // a getMessage() that logs in turn gets a buffer of its own
            b.reset();
        }
        LogFrames.encode(b, now.getEpochSecond(), now.getNano(), level, logger, Thread.currentThread().getName(),
                message, error, mdc);
        lock.lock();
        try {
            while (batch.size() >= MAX_PENDING) {
                notFull.awaitUninterruptibly(); // keeps the interrupt flag for the caller
            }
            batch.write(b.array(), 0, b.size());
            if (count++ == 0) {
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
        if (b.array().length <= SHRINK_ABOVE) {
            scratch.set(b);
        }
    }

    /** Moves what is pending into the channel (not written yet); for the task thread before a response. */
    void drain() {
        lock.lock();
        try {
            if (count > 0) {
                handOverLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    private void handOverLocked() {
        ch.send(Frames.LOG, count, batch.array(), 0, batch.size(), false);
        count = 0;
        if (batch.array().length > SHRINK_ABOVE) {
            batch = new Buf(64 * 1024);
        } else {
            batch.reset();
        }
        notFull.signalAll();
    }

    private void sendLoop() {
        while (true) {
            lock.lock();
            try {
                while (count == 0) {
                    notEmpty.awaitUninterruptibly();
                }
                handOverLocked();
            } finally {
                lock.unlock();
            }
            ch.flush(); // blocks while the controller is behind: the back-pressure
        }
    }
}
