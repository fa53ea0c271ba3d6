package dev.procpool.agents;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An agent's incoming messages, between its connection's reader thread and the agent's thread.
 * Both sides move batches: the reader adds every frame it has read before blocking on the socket
 * again, the agent takes everything there is into a private queue, so a flood costs one lock and
 * at most one wake-up per batch instead of per message.
 *
 * <p>Bounded: the reader waits while {@code capacity} messages are queued, which stops it reading
 * the socket and so slows down the senders (see {@link SupervisorOptions#mailboxCapacity()}).
 */
final class Mailbox {
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Object> shared = new ArrayDeque<>(); // guarded by lock
    private final ArrayDeque<Object> local = new ArrayDeque<>(); // the agent's thread only
    private boolean closed; // guarded by lock

    Mailbox(int capacity) {
        this.capacity = capacity;
    }

    /** The reader's side; waits while full. */
    void putAll(List<Object> items) throws InterruptedException {
        lock.lock();
        try {
            while (shared.size() >= capacity && !closed) {
                notFull.await();
            }
            boolean wasEmpty = shared.isEmpty();
            shared.addAll(items);
            if (wasEmpty) {
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Adds even when full: the end of the mailbox must get through. */
    void close(Object last) {
        lock.lock();
        try {
            closed = true;
            shared.add(last);
            notEmpty.signal();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The agent's side: the next item, waiting at most {@code nanos} (forever if negative); null
     * on timeout.
     */
    Object take(long nanos) throws InterruptedException {
        Object o = local.poll();
        if (o != null) {
            return o;
        }
        // awaitNanos returns a negative remainder once the time is up: it must not read as "forever"
        boolean forever = nanos < 0;
        lock.lock();
        try {
            while (shared.isEmpty()) {
                if (forever) {
                    notEmpty.await();
                } else {
                    if (nanos <= 0) {
                        return null;
                    }
                    nanos = notEmpty.awaitNanos(nanos);
                }
            }
            boolean wasFull = shared.size() >= capacity;
            ArrayDeque<Object> tmp = local;
            Object item;
            while ((item = shared.poll()) != null) {
                tmp.add(item);
            }
            if (wasFull) {
                notFull.signal();
            }
        } finally {
            lock.unlock();
        }
        return local.poll();
    }
}
