package dev.procpool;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one worker of a {@link WorkerGroup}, tagged with the worker's name, as taken from
 * the group's shared results queue.
 *
 * <pre>{@code
 * TaggedResult<Integer> r = group.nextResult(Duration.ofSeconds(30));
 * System.out.println(r.workerName() + " -> " + (r.succeeded() ? r.value() : r.error().orElseThrow()));
 * }</pre>
 *
 * @param workerName the name of the worker that produced it
 * @param worker the worker itself
 * @param value the result, or null when the worker did not complete
 * @param failure what {@link Worker#result()} throws, or null when it completed
 * @param <R> the result type
 */
public record TaggedResult<R>(String workerName, Worker<R> worker, R value, RuntimeException failure) {

    /** Checks the fields. */
    public TaggedResult {
        Objects.requireNonNull(workerName, "workerName");
        Objects.requireNonNull(worker, "worker");
    }

    /** Whether the worker completed with a result. */
    public boolean succeeded() {
        return failure == null;
    }

    /** What went wrong, if anything. */
    public Optional<RuntimeException> error() {
        return Optional.ofNullable(failure);
    }

    /** The value, or the failure thrown (as {@link Worker#result()} would). */
    public R get() {
        if (failure != null) {
            throw failure;
        }
        return value;
    }
}
