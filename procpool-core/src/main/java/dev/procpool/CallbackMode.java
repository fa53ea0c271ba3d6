package dev.procpool;

/**
 * When a pool runs result and error callbacks.
 *
 * <ul>
 *   <li>{@link #DAEMON} (the default): a pool thread, {@code procpool-callbacks}, runs them as
 *       soon as each task ends, one at a time, in completion order.</li>
 *   <li>{@link #ON_DEMAND}: outcomes wait until the caller runs them with
 *       {@link Pool#processResults()} (what has ended so far) or {@link Pool#processAllResults()}
 *       (blocks until every task submitted so far has ended), in the caller's thread.</li>
 * </ul>
 * In both, a task's own callback runs first, then the pool's; a callback that throws is logged
 * with the task id and the rest go on.
 *
 * <pre>{@code
 * PoolOptions.builder().callbackMode(CallbackMode.ON_DEMAND).onResult((task, value) -> save(value)).build();
 * }</pre>
 */
public enum CallbackMode {
    /** A pool thread runs callbacks as results arrive. */
    DAEMON,
    /** Callbacks run when the caller asks, in the caller's thread. */
    ON_DEMAND
}
