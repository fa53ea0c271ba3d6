package dev.procpool.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A job submitted to a {@link JobPool}. Its future always completes normally, with a
 * {@link JobResult} whose {@link JobStatus} says how it ended (also when it was cancelled or never
 * started); dependent actions of the future run on the pool's job thread unless made async.
 */
public interface JobHandle {

    /** The job. */
    Job job();

    /** A number unique within the pool, in submission order, from 1. */
    long seq();

    /** When the pool sent it off to start (before {@code onStart}); empty while queued. */
    Optional<Instant> dispatched();

    /** The outcome. */
    CompletableFuture<JobResult> future();

    /** Waits up to {@code timeout} for the result. */
    default JobResult await(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            return future().get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a job's future never fails", e);
        }
    }

    /** Whether it has ended. */
    default boolean isDone() {
        return future().isDone();
    }

    /**
     * Cancels it: a queued job never starts; a running one is killed with its process tree as on a
     * timeout (SIGTERM, then SIGKILL after the pool's grace), in the background. Its result is
     * {@link JobStatus#CANCELLED} at once.
     * @return whether this call cancelled it (false if it had already ended)
     */
    boolean cancel();
}
