package dev.procpool;

import dev.procpool.internal.CurrentWorker;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Tells a task which worker runs it: the worker's name, and its index in its pool; and gives it
 * the worker's state. Works in thread and process workers alike; outside a worker the name and
 * index are empty.
 *
 * <pre>{@code
 * pool.submit(() -> "run by " + WorkerContext.workerName().orElse("?")
 *         + " #" + WorkerContext.poolIndex().orElse(-1));
 *
 * // worker state: given at creation, changed by each call, read back by the controller
 * PersistentWorker<String, Integer> w = Workers.persistent(WorkerType.PROCESS, (String word) -> {
 *     int seen = WorkerContext.userState(Integer.class) + 1;
 *     WorkerContext.setUserState(seen);
 *     return seen;
 * }, WorkerOptions.builder().initialState(0).build());
 * w.enqueue("a"); w.enqueue("b"); w.endInput();
 * w.await(Duration.ofSeconds(30));
 * System.out.println(w.userState());   // Optional[2]
 * }</pre>
 */
public final class WorkerContext {
    private WorkerContext() {
    }

    /** The name of the worker running the current task, if any. */
    public static Optional<String> workerName() {
        return Optional.ofNullable(CurrentWorker.name());
    }

    /**
     * The state of the worker running the current task: the {@link WorkerOptions#initialState()}
     * it started with, or what a call last set. A thread worker's task gets the very object the
     * controller gave (and sees later changes to it); a process or remote worker's, a copy. Empty
     * when there is none, and outside a worker.
     */
    public static Optional<Object> userState() {
        CurrentWorker.StateBox box = CurrentWorker.state();
        return box == null ? Optional.empty() : Optional.ofNullable(box.get());
    }

    /**
     * The worker's state as a {@code type}.
     *
     * @throws IllegalStateException if there is none (or this is not a worker)
     * @throws ClassCastException if it is not a {@code type}
     */
    public static <S> S userState(Class<S> type) {
        return type.cast(userState().orElseThrow(() -> new IllegalStateException(
                CurrentWorker.state() == null ? "not running in a worker, so there is no worker state"
                        : "worker '" + CurrentWorker.name() + "' has no state: give one with WorkerOptions.Builder.initialState")));
    }

    /**
     * Replaces the worker's state. The controller receives it when the call ends (a process or
     * remote worker encodes it with the worker's codec then; a state the codec cannot encode fails
     * that call with {@link TaskNotSerializableException}). {@code null} clears it.
     *
     * @throws IllegalStateException outside a worker (e.g. on a thread the task started itself)
     */
    public static void setUserState(Object state) {
        CurrentWorker.StateBox box = CurrentWorker.state();
        if (box == null) {
            throw new IllegalStateException("not running in a worker's task thread, so there is no worker state to set");
        }
        box.set(state);
    }

    /** The index of that worker in its {@link Pool} (0-based, in start order), if it is a pool's. */
    public static OptionalInt poolIndex() {
        int i = CurrentWorker.poolIndex();
        return i < 0 ? OptionalInt.empty() : OptionalInt.of(i);
    }
}
