package dev.procpool;

/**
 * A snapshot of a pool's counters. Every submitted task is in exactly one of queued, running or
 * the ended counts: {@code submitted == queued + running + completed + failed + timedOut + cancelled}.
 *
 * <pre>{@code
 * PoolStats s = pool.stats();
 * System.out.println(s.completed() + "/" + s.submitted() + " done, " + s.workersDied() + " worker deaths");
 * }</pre>
 *
 * @param submitted tasks accepted
 * @param queued waiting for a worker
 * @param running sent to a worker, not ended
 * @param completed ended with a value
 * @param failed ended with an exception (the task threw, or its worker died under it)
 * @param timedOut ended by their timeout
 * @param cancelled cancelled before or while running
 * @param retried times a task was run again (after a timeout or a worker death)
 * @param workersStarted workers started, replacements included
 * @param workersRecycled workers retired on purpose (task limit, memory limit, idle, restart)
 * @param workersDied workers that died or were killed for a timeout
 * @param workersAlive workers running now
 */
public record PoolStats(long submitted, long queued, long running, long completed, long failed, long timedOut,
        long cancelled, long retried, long workersStarted, long workersRecycled, long workersDied, int workersAlive) {

    @Override
    public String toString() {
        return "submitted=" + submitted + ", queued=" + queued + ", running=" + running + ", completed=" + completed
                + ", failed=" + failed + ", timedOut=" + timedOut + ", cancelled=" + cancelled + ", retried=" + retried
                + ", workers: alive=" + workersAlive + ", started=" + workersStarted + ", recycled=" + workersRecycled
                + ", died=" + workersDied;
    }
}
