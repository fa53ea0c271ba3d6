package dev.procpool.internal.status;

import dev.procpool.PoolStats;
import dev.procpool.internal.logs.Json;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.TaskFailure;
import dev.procpool.status.WorkerStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code /status.json}: the statuses as JSON, the format docs/observability.md describes. Times
 * are epoch milliseconds, durations milliseconds, sizes bytes; what is unknown is {@code null}.
 *
 * <pre>{@code
 * String json = StatusJson.render(List.of(pool.status()), Map.of());
 * }</pre>
 */
public final class StatusJson {
    private StatusJson() {
    }

    /** Renders the statuses; {@code rssHistory} maps "pool NUL worker" to memory samples, oldest first. */
    public static String render(List<PoolStatus> statuses, Map<String, long[]> rssHistory) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("{\"takenAt\":").append(System.currentTimeMillis()).append(",\"pools\":[");
        boolean first = true;
        for (PoolStatus p : statuses) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            pool(sb, p, rssHistory);
        }
        return sb.append("]}").toString();
    }

    private static void pool(StringBuilder sb, PoolStatus p, Map<String, long[]> rssHistory) {
        sb.append("{\"name\":");
        Json.string(sb, p.name());
        sb.append(",\"kind\":");
        Json.string(sb, p.kind());
        sb.append(",\"takenAt\":").append(p.takenAt().toEpochMilli());
        sb.append(",\"queued\":").append(p.queued());
        sb.append(",\"tasksPerSecond\":").append(Math.round(p.tasksPerSecond() * 100) / 100.0);
        PoolStats t = p.totals();
        sb.append(",\"totals\":{\"submitted\":").append(t.submitted()).append(",\"queued\":").append(t.queued())
                .append(",\"running\":").append(t.running()).append(",\"completed\":").append(t.completed())
                .append(",\"failed\":").append(t.failed()).append(",\"timedOut\":").append(t.timedOut())
                .append(",\"cancelled\":").append(t.cancelled()).append(",\"retried\":").append(t.retried())
                .append(",\"workersStarted\":").append(t.workersStarted()).append(",\"workersRecycled\":")
                .append(t.workersRecycled()).append(",\"workersDied\":").append(t.workersDied())
                .append(",\"workersAlive\":").append(t.workersAlive()).append('}');
        sb.append(",\"workers\":[");
        boolean first = true;
        for (WorkerStatus w : p.workers()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            worker(sb, w, rssHistory.get(p.name() + "\u0000" + w.name()));
        }
        sb.append("],\"failures\":[");
        first = true;
        for (TaskFailure f : p.recentFailures()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"taskId\":").append(f.taskId()).append(",\"worker\":");
            Json.string(sb, f.worker());
            sb.append(",\"at\":").append(f.at().toEpochMilli()).append(",\"outcome\":");
            Json.string(sb, f.outcome().name());
            sb.append(",\"summary\":");
            Json.string(sb, f.summary());
            sb.append(",\"stack\":");
            Json.string(sb, f.stackTrace());
            sb.append('}');
        }
        sb.append("],\"throughput\":[");
        List<Integer> tp = p.throughput();
        for (int i = 0; i < tp.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(tp.get(i));
        }
        sb.append("]}");
    }

    private static void worker(StringBuilder sb, WorkerStatus w, long[] history) {
        sb.append("{\"name\":");
        Json.string(sb, w.name());
        sb.append(",\"type\":\"").append(w.type().name()).append("\",\"host\":");
        Json.string(sb, w.host());
        sb.append(",\"pid\":");
        opt(sb, w.pid());
        sb.append(",\"state\":\"").append(w.state().name()).append("\",\"task\":");
        opt(sb, w.currentTaskId());
        sb.append(",\"ageMillis\":");
        opt(sb, w.currentTaskAge().map(java.time.Duration::toMillis));
        sb.append(",\"done\":").append(w.tasksDone()).append(",\"failed\":").append(w.tasksFailed());
        sb.append(",\"rss\":");
        opt(sb, w.rssBytes());
        sb.append(",\"cpuMillis\":");
        opt(sb, w.cpuTime().map(java.time.Duration::toMillis));
        sb.append(",\"startedAt\":").append(w.startedAt().toEpochMilli());
        sb.append(",\"exitReason\":");
        Json.string(sb, w.exitReason().orElse(null));
        sb.append(",\"rssHistory\":[");
        if (history != null) {
            boolean first = true;
            for (long v : history) {
                if (v < 0) {
                    continue; // before the worker existed, or unknown
                }
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(v);
            }
        }
        sb.append("]}");
    }

    private static void opt(StringBuilder sb, OptionalLong v) {
        if (v.isPresent()) {
            sb.append(v.getAsLong());
        } else {
            sb.append("null");
        }
    }

    private static void opt(StringBuilder sb, Optional<Long> v) {
        sb.append(v.isPresent() ? v.get().toString() : "null");
    }
}
