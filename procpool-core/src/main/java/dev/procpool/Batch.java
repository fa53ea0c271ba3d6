package dev.procpool;

import java.util.List;

/**
 * Tasks submitted together with {@link Pool#submitBatch}: the call returns at once; the results
 * are fetched later with {@link Pool#fetchResults(long)} or {@link Pool#fetchResults()}.
 *
 * <pre>{@code
 * Batch<Integer> batch = pool.submitBatch(List.of(() -> 4 / 2, () -> 12 / 3));
 * pool.awaitBatch(batch.id(), Duration.ofSeconds(30));
 * List<BatchResult<Integer>> results = pool.fetchResults(batch.id());
 * }</pre>
 *
 * @param id the batch's id, unique within the pool
 * @param tasks the handles, in submission order
 * @param <R> the result type
 */
public record Batch<R>(long id, List<TaskHandle<R>> tasks) {
    /** Copies the list. */
    public Batch {
        tasks = List.copyOf(tasks);
    }
}
