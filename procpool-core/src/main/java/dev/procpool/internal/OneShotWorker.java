package dev.procpool.internal;

import dev.procpool.Task;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;

/** A worker that runs one task once (and again on each restart). */
public final class OneShotWorker<R> extends BaseWorker<R> {
    private final Object preparedTask;

    private OneShotWorker(WorkerType type, Task<R> task, WorkerOptions options) {
        super(type, options);
        this.preparedTask = prepare("task", task);
    }

    /** Creates the worker without starting it ({@link dev.procpool.WorkerState#CREATED}). */
    public static <R> OneShotWorker<R> create(WorkerType type, Task<R> task, WorkerOptions options) {
        return new OneShotWorker<>(type, task, options);
    }

    /** Creates and starts the worker; the task is checked for serializability first. */
    public static <R> OneShotWorker<R> start(WorkerType type, Task<R> task, WorkerOptions options)
            throws WorkerStartException {
        return started(new OneShotWorker<>(type, task, options));
    }

    @Override
    void initialize(Engine engine) {
        Slot slot = newSlot();
        if (slot == null) {
            return; // the engine already ended (e.g. could not start)
        }
        engine.call(slot.id, preparedTask);
        endInputLocked();
    }

    @Override
    @SuppressWarnings("unchecked")
    R completedValue(Slot only) {
        return (R) only.value;
    }

    @Override
    boolean oneShot() {
        return true;
    }
}
