package dev.procpool;

import java.util.Optional;

/**
 * The outcome of one task of a batch ({@link Pool#submitBatch}), tagged with the batch's id, as
 * fetched with {@link Pool#fetchResults()}. A failed task's error stays with its batch.
 *
 * <pre>{@code
 * for (BatchResult<Integer> r : pool.fetchResults(batch.id())) {
 *     System.out.println("batch " + r.batchId() + " task " + r.taskId() + ": "
 *         + (r.succeeded() ? r.value() : r.error().orElseThrow()));
 * }
 * }</pre>
 *
 * @param batchId the batch's id
 * @param taskId the task's id
 * @param index the task's position in its batch
 * @param value the value, or null when it did not succeed
 * @param failure the exception, or null when it succeeded
 * @param <R> the result type
 */
public record BatchResult<R>(long batchId, long taskId, int index, R value, Throwable failure) {

    /** Whether the task succeeded. */
    public boolean succeeded() {
        return failure == null;
    }

    /** The exception, if the task did not succeed. */
    public Optional<Throwable> error() {
        return Optional.ofNullable(failure);
    }
}
