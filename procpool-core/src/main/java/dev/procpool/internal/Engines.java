package dev.procpool.internal;

import dev.procpool.Codec;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;

/**
 * The one place that maps a worker kind to its engine, and to the form its inputs travel in. A new
 * worker kind is added here (and in {@link WorkerType}); single workers and pool workers both come
 * through it, so the kinds cannot drift apart between the two.
 */
final class Engines {
    private Engines() {
    }

    /**
     * A new, not yet started engine of the given kind.
     *
     * @param name the worker's name (thread names, output tags, errors)
     * @param workerId this JVM's id of the worker; a process or remote worker proves it at the handshake
     * @param incarnation 1 for the first start, counting restarts
     * @param poolIndex the worker's index in its pool (a thread worker's thread name), or null outside a pool
     * @param state the worker's user state, which a thread worker shares with its task
     * @throws IllegalArgumentException if the options do not suit the kind (a remote worker without
     *         {@code WorkerOptions.remote})
     * @throws WorkerStartException if a process worker's control socket cannot be opened
     */
    static Engine create(WorkerType type, String name, long workerId, int incarnation, String poolIndex,
            WorkerOptions options, ClassLoader loader, Engine.Listener listener, CurrentWorker.StateBox state)
            throws WorkerStartException {
        return switch (type) {
            case THREAD -> new ThreadEngine(name, poolIndex, listener, state);
            case REMOTE -> new RemoteEngine(name, workerId, options, loader, listener);
            case PROCESS -> new ProcessEngine(name, workerId, incarnation, options, loader, listener);
        };
    }

    /**
     * Encodes (or, for a thread worker, passes by reference) a task, function or argument once, on the caller's
     * thread, into what {@link Engine#call} and {@link Engine#bind} of that kind take. A remote
     * worker is sent the same bytes as a local process worker.
     */
    static Object prepare(WorkerType type, Codec codec, String what, Object input) {
        return type == WorkerType.THREAD ? ThreadEngine.prepare(input)
                : ProcessEngine.prepare(codec, what, input);
    }
}
