package dev.procpool;

/**
 * What {@link Pool#submit} does when the pool's queue is full.
 *
 * <ul>
 *   <li>{@link #BLOCK} (the default): the submitter waits for room. Right for producers that can
 *       be slowed down; memory stays bounded and nothing is lost.</li>
 *   <li>{@link #ABORT}: {@link TaskRejectedException} at once. Right when the caller can shed or
 *       defer load itself (a server answering "busy").</li>
 *   <li>{@link #CALLER_RUNS}: the submitting thread runs the task itself, in this JVM. Throttles
 *       the producer like {@code BLOCK} while using its thread; the task then gets none of a
 *       process's protection (no timeout kill).</li>
 * </ul>
 *
 * <pre>{@code
 * Pool pool = Pool.create(PoolOptions.builder().queueCapacity(100).rejectionPolicy(RejectionPolicy.ABORT).build());
 * }</pre>
 */
public enum RejectionPolicy {
    /** Wait for room in the queue. */
    BLOCK,
    /** Throw {@link TaskRejectedException}. */
    ABORT,
    /** Run the task in the submitting thread. */
    CALLER_RUNS
}
