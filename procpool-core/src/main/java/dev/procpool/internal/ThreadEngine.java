package dev.procpool.internal;

import dev.procpool.Task;
import dev.procpool.TaskFunction;
import dev.procpool.internal.protocol.Frames;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An engine on a thread of this JVM. Tasks, arguments and results pass by reference: nothing
 * crosses a process boundary, so nothing is serialized or copied, and a task may capture anything
 * (a latch, a lock, a connection), as with a plain {@code ExecutorService}.
 *
 * <p>A thread cannot be killed: {@link #signalTerm()} and {@link #kill()} abandon it. It is a
 * daemon thread, and anything it does after being abandoned is ignored.
 */
final class ThreadEngine extends Engine {
    private static final Object END = new Object();

    private final Listener listener;
    private final CurrentWorker.StateBox state;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Object lock = new Object();
    private final java.util.Set<Long> cancelled = new java.util.HashSet<>();
    private long current = -1;
    private volatile boolean stopping;
    /** Set once; after it, the thread's events are dropped. Guarded by {@link #lock}. */
    private boolean finished;

    ThreadEngine(String name, String poolIndex, Listener listener) {
        this(name, poolIndex, listener, new CurrentWorker.StateBox(null, false));
    }

    /** @param state the worker's state, shared with its handle: a thread worker's state is one object */
    ThreadEngine(String name, String poolIndex, Listener listener, CurrentWorker.StateBox state) {
        this.listener = listener;
        this.state = state;
        this.thread = new Thread(() -> {
            CurrentWorker.setForThisThread(name, poolIndex, state);
            // the task's own SLF4J events are the controller's already: the MDC names their worker
            if (dev.procpool.internal.logs.Mdc.ready()) {
                org.slf4j.MDC.put(dev.procpool.logs.LogEvent.MDC_WORKER, name);
            }
            run();
        }, "procpool-thread-" + name);
        thread.setDaemon(true);
    }

    @Override
    void start() {
        thread.start();
    }

    /** A thread takes the object itself: no serialization, no copy, no check. */
    static Object prepare(Object input) {
        return input;
    }

    @Override
    void bind(Object prepared) {
        queue.add(new Item(Frames.BIND, 0, prepared));
    }

    @Override
    void call(long callId, Object prepared, boolean flush) {
        queue.add(new Item(Frames.CALL, callId, prepared));
    }

    /** As a process worker does: interrupt if running, answer at once if still queued. */
    @Override
    void cancel(long callId) {
        withdraw(callId, true);
    }

    @Override
    void recall(long callId) {
        withdraw(callId, false);
    }

    private void withdraw(long callId, boolean interruptIfRunning) {
        boolean removed = false;
        synchronized (lock) {
            if (finished) {
                return;
            }
            if (current == callId) {
                if (interruptIfRunning) {
                    thread.interrupt();
                }
                return;
            }
            for (java.util.Iterator<Object> it = queue.iterator(); it.hasNext(); ) {
                if (it.next() instanceof Item i && i.type == Frames.CALL && i.id == callId) {
                    it.remove();
                    removed = true;
                    break;
                }
            }
            if (!removed && interruptIfRunning) {
                cancelled.add(callId);
            }
        }
        if (removed) {
            listener.failure(this, callId, Frames.ERR_CANCELLED, new CancellationException("cancelled before it ran"));
        }
    }

    @Override
    void endInput() {
        queue.add(END);
    }

    @Override
    void stop() {
        stopping = true;
        synchronized (lock) {
            if (current >= 0) {
                thread.interrupt();
            }
        }
        queue.add(END);
    }

    @Override
    void signalTerm() {
        abandon();
    }

    @Override
    void kill() {
        abandon();
    }

    private void abandon() {
        synchronized (lock) {
            if (finished) {
                return;
            }
            finished = true;
        }
        thread.interrupt();
        // a task that swallows the interrupt returns to an empty queue: END lets the thread end then
        queue.add(END);
        listener.exited(this, ExitInfo.threadAbandoned());
    }

    @Override
    long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    OptionalLong threadId() {
        return OptionalLong.of(thread.getId());
    }

    @Override
    boolean isAlive() {
        synchronized (lock) {
            return !finished && thread.isAlive();
        }
    }

    @Override
    Optional<String> launchCommand() {
        return Optional.empty();
    }

    private void run() {
        listener.ready(this);
        TaskFunction<Object, Object> function = null;
        long calls = 0;
        while (true) {
            Object next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                if (isFinished()) {
                    return;
                }
                continue;
            }
            if (next == END) {
                break;
            }
            Item item = (Item) next;
            if (item.type == Frames.BIND) {
                @SuppressWarnings("unchecked")
                TaskFunction<Object, Object> fn = (TaskFunction<Object, Object>) item.payload;
                function = fn;
                continue;
            }
            boolean skip;
            synchronized (lock) {
                if (finished) {
                    return;
                }
                skip = stopping || cancelled.remove(item.id);
                if (!skip) {
                    current = item.id;
                }
            }
            if (skip) {
                listener.failure(this, item.id, Frames.ERR_CANCELLED, new CancellationException(
                        stopping ? "the worker was stopped before this call ran" : "cancelled before it ran"));
                continue;
            }
            calls++;
            Object value = null;
            Throwable error = null;
            try {
                if (function != null) {
                    value = function.apply(item.payload);
                } else {
                    value = ((Task<?>) item.payload).call();
                }
            } catch (Throwable e) {
                error = e;
            }
            synchronized (lock) {
                current = -1;
                Thread.interrupted();
                if (finished) {
                    return; // abandoned: the worker already reported this call
                }
            }
            if (error != null) {
                listener.failure(this, item.id, Frames.ERR_THREW, error);
            } else {
                listener.result(this, item.id, value);
            }
        }
        synchronized (lock) {
            if (finished) {
                return;
            }
            finished = true;
        }
        listener.bye(this, calls);
        listener.exited(this, ExitInfo.threadEnded());
    }

    private boolean isFinished() {
        synchronized (lock) {
            return finished;
        }
    }

    private record Item(byte type, long id, Object payload) {
    }
}
