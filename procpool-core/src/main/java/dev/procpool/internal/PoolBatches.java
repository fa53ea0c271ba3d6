package dev.procpool.internal;

import dev.procpool.BatchResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A pool's batches: how many tasks of each are still open, and the outcomes not yet fetched.
 * Guarded by the pool's lock; every method expects it held.
 */
final class PoolBatches {
    private final ArrayDeque<BatchResult<?>> unfetched = new ArrayDeque<>();
    private final Map<Long, int[]> remaining = new HashMap<>();
    private long nextId;

    long open() {
        long id = ++nextId;
        remaining.put(id, new int[1]);
        return id;
    }

    /** A task of a batch was submitted. */
    void track(PoolTask<?> t) {
        if (t.batchId >= 0) {
            remaining.computeIfAbsent(t.batchId, k -> new int[1])[0]++;
        }
    }

    /** A task of a batch ended; its outcome is kept for fetching unless {@code drop}. */
    void ended(PoolTask<?> t, boolean succeeded, Object value, Throwable error, boolean drop) {
        if (t.batchId < 0) {
            return;
        }
        if (!drop) {
            unfetched.addLast(new BatchResult<>(t.batchId, t.id, t.index, succeeded ? value : null,
                    succeeded ? null : error));
        }
        int[] left = remaining.get(t.batchId);
        if (left != null) {
            left[0]--;
        }
    }

    boolean isDone(long batchId) {
        int[] left = remaining.get(batchId);
        return left == null || left[0] == 0;
    }

    List<BatchResult<?>> fetch() {
        List<BatchResult<?>> out = new ArrayList<>(unfetched);
        unfetched.clear();
        return out;
    }

    @SuppressWarnings("unchecked")
    <R> List<BatchResult<R>> fetch(long batchId) {
        List<BatchResult<R>> out = new ArrayList<>();
        for (Iterator<BatchResult<?>> it = unfetched.iterator(); it.hasNext(); ) {
            BatchResult<?> r = it.next();
            if (r.batchId() == batchId) {
                out.add((BatchResult<R>) r);
                it.remove();
            }
        }
        return out;
    }

    void clear() {
        unfetched.clear();
    }
}
