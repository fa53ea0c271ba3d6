package dev.procpool;

import dev.procpool.internal.OneShotWorker;
import dev.procpool.internal.PersistentWorkerImpl;
import java.util.Objects;

/**
 * Creates workers of any {@link WorkerType}. A worker made by {@code start} or {@code persistent}
 * starts as it is created; one made by {@code create} or {@code createPersistent} waits for
 * {@link Worker#start()}.
 *
 * <pre>{@code
 * Worker<Integer> w = Workers.start(WorkerType.PROCESS, () -> 2 * 21);
 * w.await(Duration.ofSeconds(30));
 * int answer = w.result();
 *
 * PersistentWorker<String, Integer> lengths = Workers.persistent(WorkerType.THREAD, String::length);
 * }</pre>
 *
 * <p>The task (or function) is serialized before anything starts, so one that cannot cross to a
 * process is refused at once with {@link TaskNotSerializableException} naming the class, whatever
 * the kind: code that works with threads works with processes.
 */
public final class Workers {
    private Workers() {
    }

    /** Starts a one-shot worker with default options. */
    public static <R> Worker<R> start(WorkerType type, Task<R> task) throws WorkerStartException {
        return start(type, task, WorkerOptions.defaults());
    }

    /**
     * Starts a one-shot worker that runs {@code task} once.
     *
     * @throws TaskNotSerializableException if the task cannot be serialized (nothing is started)
     * @throws WorkerStartException if the thread or process cannot be started
     * @throws IllegalArgumentException for {@link WorkerType#REMOTE} without {@link WorkerOptions#remote()}
     */
    public static <R> Worker<R> start(WorkerType type, Task<R> task, WorkerOptions options)
            throws WorkerStartException {
        check(type, task, options);
        return OneShotWorker.start(type, task, options);
    }

    /** Starts a one-shot worker running a plain Callable, with default options. */
    public static <R> Worker<R> start(WorkerType type, java.util.concurrent.Callable<R> task)
            throws WorkerStartException {
        return start(type, task, WorkerOptions.defaults());
    }

    /**
     * Starts a one-shot worker running a plain {@link java.util.concurrent.Callable}: a THREAD
     * worker runs it whatever it captures; a process or remote worker needs it serializable.
     *
     * @throws TaskNotSerializableException if it must cross to a process and cannot (nothing is started)
     */
    public static <R> Worker<R> start(WorkerType type, java.util.concurrent.Callable<R> task, WorkerOptions options)
            throws WorkerStartException {
        return start(type, Task.of(task), options);
    }

    /** Starts a persistent worker with default options. */
    public static <A, R> PersistentWorker<A, R> persistent(WorkerType type, TaskFunction<A, R> function)
            throws WorkerStartException {
        return persistent(type, function, WorkerOptions.defaults());
    }

    /**
     * Starts a persistent worker that applies {@code function} to each argument enqueued.
     *
     * @throws TaskNotSerializableException if the function cannot be serialized (nothing is started)
     * @throws WorkerStartException if the thread or process cannot be started
     * @throws IllegalArgumentException for {@link WorkerType#REMOTE} without {@link WorkerOptions#remote()}
     */
    public static <A, R> PersistentWorker<A, R> persistent(WorkerType type, TaskFunction<A, R> function,
            WorkerOptions options) throws WorkerStartException {
        check(type, function, options);
        return PersistentWorkerImpl.start(type, function, options);
    }

    /**
     * Creates a one-shot worker without starting it: it waits in {@link WorkerState#CREATED}
     * until {@link Worker#start()}. The task is checked for serializability now.
     *
     * <pre>{@code
     * Worker<String> w = Workers.create(WorkerType.PROCESS, () -> "hi", WorkerOptions.defaults());
     * // ... later
     * w.start();
     * w.await(Duration.ofSeconds(30));
     * }</pre>
     *
     * @throws TaskNotSerializableException if the task cannot be serialized
     */
    public static <R> Worker<R> create(WorkerType type, Task<R> task, WorkerOptions options) {
        check(type, task, options);
        return OneShotWorker.create(type, task, options);
    }

    /**
     * Creates a persistent worker without starting it ({@link WorkerState#CREATED}). Arguments
     * may be enqueued (and input ended) before {@link Worker#start()}; they are sent when it starts.
     *
     * @throws TaskNotSerializableException if the function cannot be serialized
     */
    public static <A, R> PersistentWorker<A, R> createPersistent(WorkerType type, TaskFunction<A, R> function,
            WorkerOptions options) {
        check(type, function, options);
        return PersistentWorkerImpl.create(type, function, options);
    }

    private static void check(WorkerType type, Object work, WorkerOptions options) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(work, "task");
        Objects.requireNonNull(options, "options");
        if (type != WorkerType.REMOTE && options.remoteContext().isPresent()) {
            throw new IllegalArgumentException("a remote context applies to REMOTE workers only, not " + type);
        }
        if (type == WorkerType.REMOTE && options.remote().isEmpty()) {
            throw new IllegalArgumentException("a REMOTE worker needs the address of a procpool worker-server: "
                    + "WorkerOptions.builder().remote(RemoteOptions.builder(host, port)...build())");
        }
    }
}
