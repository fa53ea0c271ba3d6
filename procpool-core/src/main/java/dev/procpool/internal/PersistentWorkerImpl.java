package dev.procpool.internal;

import dev.procpool.PersistentWorker;
import dev.procpool.TaskFunction;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** A worker bound to one function, applied to each enqueued argument in order. */
public final class PersistentWorkerImpl<A, R> extends BaseWorker<Long> implements PersistentWorker<A, R> {
    private final Object preparedFunction;

    private PersistentWorkerImpl(WorkerType type, TaskFunction<A, R> function, WorkerOptions options) {
        super(type, options);
        this.preparedFunction = prepare("function", function);
    }

    /** Creates the worker without starting it ({@link dev.procpool.WorkerState#CREATED}). */
    public static <A, R> PersistentWorkerImpl<A, R> create(WorkerType type, TaskFunction<A, R> function,
            WorkerOptions options) {
        return new PersistentWorkerImpl<>(type, function, options);
    }

    /** Creates and starts the worker; the function is checked for serializability first. */
    public static <A, R> PersistentWorkerImpl<A, R> start(WorkerType type, TaskFunction<A, R> function,
            WorkerOptions options) throws WorkerStartException {
        return started(new PersistentWorkerImpl<>(type, function, options));
    }

    @Override
    void initialize(Engine engine) {
        engine.bind(preparedFunction);
    }

    @Override
    Long completedValue(Slot only) {
        return calls;
    }

    @Override
    boolean oneShot() {
        return false;
    }

    @Override
    public void enqueue(A argument) {
        // encoded before taking any lock: user serialization code never runs under our locks
        Object prepared = prepare("argument", argument);
        sendLock.lock();
        try {
            Slot slot = newSlot();
            if (slot == null) {
                throw new IllegalStateException("worker '" + name + "' takes no more input: it is " + state()
                        + (inputEnded() ? " and its input was ended" : ""));
            }
            Engine e = currentEngine();
            if (e == null) {
                beforeStart.add(new Object[] {slot.id, prepared}); // created, not started: start() sends it
            } else {
                e.call(slot.id, prepared);
            }
        } finally {
            sendLock.unlock();
        }
    }

    private boolean inputEnded() {
        return locked(() -> inputEnded);
    }

    @Override
    public void endInput() {
        sendLock.lock();
        try {
            endInputLocked();
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public R nextResult(Duration timeout) throws TimeoutException, InterruptedException {
        long nanos = timeout.toNanos();
        Slot head;
        long pid;
        lock.lock();
        try {
            while (true) {
                head = slots.peekFirst();
                if (head != null && head.done) {
                    slots.removeFirst();
                    pid = engine == null ? -1 : engine.pid();
                    break;
                }
                if (head == null && (inputEnded || state.isTerminal())) {
                    throw new NoSuchElementException("worker '" + name + "' has no more results: "
                            + (state.isTerminal() ? "it is " + state : "its input was ended") + " and every result was taken");
                }
                if (nanos <= 0) {
                    throw new TimeoutException("no result from worker '" + name + "' within " + timeout
                            + " (" + slots.size() + " pending)");
                }
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
        return (R) head.valueOrThrow(name, pid);
    }

    @Override
    public int pending() {
        return locked(slots::size);
    }

    @Override
    public Iterator<R> resultsIterator() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                lock.lock();
                try {
                    while (true) {
                        if (!slots.isEmpty()) {
                            return true;
                        }
                        if (inputEnded || state.isTerminal()) {
                            return false;
                        }
                        // input still open: another enqueue may come, wait for one
                        changed.awaitUninterruptibly();
                    }
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                try {
                    return nextResult(Duration.ofNanos(Long.MAX_VALUE));
                } catch (TimeoutException e) {
                    throw new IllegalStateException("unreachable: an unbounded wait timed out", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a result of '" + name + "'", e);
                }
            }
        };
    }

    @Override
    public Stream<R> results() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(resultsIterator(),
                Spliterator.ORDERED | Spliterator.NONNULL & 0), false);
    }
}
