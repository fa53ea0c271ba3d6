package dev.procpool.micrometer;

import dev.procpool.Pool;
import dev.procpool.PoolStats;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.WorkerStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Binds a pool to Micrometer. Where a meter means what one of Micrometer's own
 * {@code ExecutorServiceMetrics} means, it has that name, so existing executor dashboards show
 * procpool pools too; the rest are procpool's own, under {@code procpool.*}. Every meter is
 * tagged {@code name=<pool name>} (as {@code ExecutorServiceMetrics} tags), plus the tags given.
 *
 * <pre>{@code
 * MeterRegistry registry = ...;                       // Prometheus, Datadog, SimpleMeterRegistry, ...
 * try (Pool pool = Pool.create(options)) {
 *     ProcpoolMetrics.monitor(registry, pool, "app", "indexer");
 *     ...
 * }
 * // or as a binder, e.g. a Spring bean:  new ProcpoolMetrics(jobPool::status, Tags.of("app", "indexer"))
 * }</pre>
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>executor.completed</td><td>function counter, tasks</td><td>tasks ended, whichever way</td></tr>
 * <tr><td>executor.active</td><td>gauge, tasks</td><td>tasks running in workers</td></tr>
 * <tr><td>executor.queued</td><td>gauge, tasks</td><td>tasks waiting for a worker</td></tr>
 * <tr><td>executor.pool.size</td><td>gauge, workers</td><td>workers alive</td></tr>
 * <tr><td>procpool.tasks.submitted</td><td>function counter</td><td>tasks accepted</td></tr>
 * <tr><td>procpool.tasks.ended</td><td>function counter, tag {@code outcome}</td><td>succeeded, failed, timed_out, cancelled</td></tr>
 * <tr><td>procpool.tasks.timeouts</td><td>function counter</td><td>tasks ended by their timeout</td></tr>
 * <tr><td>procpool.tasks.retries</td><td>function counter</td><td>times a task was run again</td></tr>
 * <tr><td>procpool.workers.started</td><td>function counter</td><td>workers started, replacements included</td></tr>
 * <tr><td>procpool.workers.recycled</td><td>function counter</td><td>workers retired on purpose</td></tr>
 * <tr><td>procpool.workers.deaths</td><td>function counter</td><td>workers that died or were killed</td></tr>
 * <tr><td>procpool.workers.busy</td><td>gauge</td><td>workers running a task</td></tr>
 * <tr><td>procpool.workers.rss</td><td>gauge, bytes</td><td>resident memory of all process workers together</td></tr>
 * <tr><td>procpool.workers.rss.max</td><td>gauge, bytes</td><td>resident memory of the largest process worker</td></tr>
 * </table>
 *
 * <p>The meters read {@code status()} when scraped, at most once per 100 ms for all of them; the
 * binder holds the source strongly, so remove the meters (or drop the registry) when the pool is
 * gone.
 */
public final class ProcpoolMetrics implements MeterBinder {
    private static final long CACHE_NANOS = 100_000_000L;

    private final Supplier<PoolStatus> source;
    private final Iterable<Tag> tags;
    private PoolStatus last; // guarded by this
    private long lastAt;

    /** Meters for {@code source} ({@code pool::status}, {@code jobPool::status}, ...), with extra tags. */
    public ProcpoolMetrics(Supplier<PoolStatus> source, Iterable<Tag> tags) {
        this.source = Objects.requireNonNull(source, "source");
        this.tags = Objects.requireNonNull(tags, "tags");
    }

    /** Binds {@code pool}'s meters to {@code registry}; {@code tags} are key, value pairs. */
    public static ProcpoolMetrics monitor(MeterRegistry registry, Pool pool, String... tags) {
        ProcpoolMetrics m = new ProcpoolMetrics(pool::status, Tags.of(tags));
        m.bindTo(registry);
        return m;
    }

    private synchronized PoolStatus status() {
        long now = System.nanoTime();
        if (last == null || now - lastAt >= CACHE_NANOS) {
            last = source.get();
            lastAt = now;
        }
        return last;
    }

    private double totals(ToDoubleFunction<PoolStats> f) {
        return f.applyAsDouble(status().totals());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags base = Tags.concat(tags, "name", source.get().name());
        FunctionCounter.builder("executor.completed", this,
                m -> m.totals(t -> t.completed() + t.failed() + t.timedOut() + t.cancelled()))
                .tags(base).description("The approximate total number of tasks that have completed execution")
                .baseUnit(BaseUnits.TASKS).register(registry);
        Gauge.builder("executor.active", this, m -> m.totals(PoolStats::running)).tags(base)
                .description("The approximate number of tasks that are actively executing").baseUnit(BaseUnits.TASKS)
                .register(registry);
        Gauge.builder("executor.queued", this, m -> m.status().queued()).tags(base)
                .description("The approximate number of tasks that are queued for execution").baseUnit(BaseUnits.TASKS)
                .register(registry);
        Gauge.builder("executor.pool.size", this, m -> m.totals(PoolStats::workersAlive)).tags(base)
                .description("The current number of workers in the pool").baseUnit("workers").register(registry);

        counter(registry, "procpool.tasks.submitted", base, "Tasks accepted", PoolStats::submitted);
        counter(registry, "procpool.tasks.ended", base.and("outcome", "succeeded"), "Tasks ended", PoolStats::completed);
        counter(registry, "procpool.tasks.ended", base.and("outcome", "failed"), "Tasks ended", PoolStats::failed);
        counter(registry, "procpool.tasks.ended", base.and("outcome", "timed_out"), "Tasks ended", PoolStats::timedOut);
        counter(registry, "procpool.tasks.ended", base.and("outcome", "cancelled"), "Tasks ended", PoolStats::cancelled);
        counter(registry, "procpool.tasks.timeouts", base, "Tasks ended by their timeout", PoolStats::timedOut);
        counter(registry, "procpool.tasks.retries", base, "Times a task was run again after a timeout or a worker death",
                PoolStats::retried);
        counter(registry, "procpool.workers.started", base, "Workers started, replacements included", PoolStats::workersStarted);
        counter(registry, "procpool.workers.recycled", base, "Workers retired on purpose", PoolStats::workersRecycled);
        counter(registry, "procpool.workers.deaths", base, "Workers that died or were killed for a timeout",
                PoolStats::workersDied);

        Gauge.builder("procpool.workers.busy", this, m -> m.status().workers().stream()
                .filter(w -> w.state() == WorkerStatus.State.BUSY).count()).tags(base)
                .description("Workers running a task").baseUnit("workers").register(registry);
        Gauge.builder("procpool.workers.rss", this, m -> m.status().workers().stream()
                .mapToLong(w -> w.rssBytes().orElse(0)).sum()).tags(base)
                .description("Resident memory of the pool's process workers together (thread and remote workers have none here)")
                .baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("procpool.workers.rss.max", this, m -> m.status().workers().stream()
                .mapToLong(w -> w.rssBytes().orElse(0)).max().orElse(0)).tags(base)
                .description("Resident memory of the pool's largest process worker").baseUnit(BaseUnits.BYTES)
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, Tags tags, String description, ToDoubleFunction<PoolStats> f) {
        FunctionCounter.builder(name, this, m -> m.totals(f)).tags(tags).description(description).register(registry);
    }
}
