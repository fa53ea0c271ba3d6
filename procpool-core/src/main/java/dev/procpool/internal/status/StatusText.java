package dev.procpool.internal.status;

import dev.procpool.PoolStats;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.TaskFailure;
import dev.procpool.status.WorkerStatus;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * {@code /status.txt}: the statuses as a plain-text table for a terminal ({@code procpool status
 * URL}), cut to a width. Rendered on the server so that the terminal client needs no JSON parser.
 *
 * <pre>{@code
 * System.out.print(StatusText.render(List.of(pool.status()), 120));
 * }</pre>
 */
public final class StatusText {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    /** The kind of a listening worker server's status, which has workers but no tasks. */
    private static final String WORKER_SERVER = "worker-server";

    private StatusText() {
    }

    /** The table for these statuses, no line longer than {@code width}. */
    public static String render(List<PoolStatus> statuses, int width) {
        StringBuilder sb = new StringBuilder(2048);
        for (PoolStatus p : statuses) {
            PoolStats t = p.totals();
            if (WORKER_SERVER.equals(p.kind())) {
                // it relays tasks undecoded: zero task counters would say something false
                line(sb, width, String.format(Locale.ROOT, "%s (%s) at %s", p.name(), p.kind(), TIME.format(p.takenAt())));
                line(sb, width, "tasks: not known here (the worker-server relays them undecoded; watch the controller's pool)");
            } else {
                line(sb, width, String.format(Locale.ROOT, "%s (%s) at %s   %.1f tasks/s over the last minute", p.name(),
                        p.kind(), TIME.format(p.takenAt()), p.tasksPerSecond()));
                line(sb, width, String.format(Locale.ROOT,
                        "tasks: %d submitted, %d queued, %d running, %d done, %d failed, %d timed out, %d cancelled, %d retried",
                        t.submitted(), p.queued(), t.running(), t.completed(), t.failed(), t.timedOut(), t.cancelled(),
                        t.retried()));
            }
            line(sb, width, String.format(Locale.ROOT, "workers: %d alive, %d started, %d recycled, %d died", t.workersAlive(),
                    t.workersStarted(), t.workersRecycled(), t.workersDied()));
            line(sb, width, "");
            line(sb, width, String.format(Locale.ROOT, "%-18s %-7s %-9s %8s %8s %9s %6s %6s %9s %8s  %s", "WORKER", "KIND",
                    "STATE", "PID", "TASK", "AGE", "DONE", "FAILED", "RSS", "CPU", "HOST / EXIT"));
            for (WorkerStatus w : p.workers()) {
                line(sb, width, String.format(Locale.ROOT, "%-18s %-7s %-9s %8s %8s %9s %6d %6d %9s %8s  %s", w.name(),
                        w.type().name().toLowerCase(Locale.ROOT), w.state(),
                        w.pid().isPresent() ? Long.toString(w.pid().getAsLong()) : "-",
                        w.currentTaskId().isPresent() ? Long.toString(w.currentTaskId().getAsLong()) : "-",
                        w.currentTaskAge().map(StatusText::age).orElse("-"), w.tasksDone(), w.tasksFailed(),
                        w.rssBytes().isPresent() ? bytes(w.rssBytes().getAsLong()) : "-",
                        w.cpuTime().map(StatusText::age).orElse("-"),
                        w.exitReason().orElse(w.host())));
            }
            if (!p.recentFailures().isEmpty()) {
                line(sb, width, "");
                line(sb, width, "recent failures (newest first):");
                int shown = 0;
                for (TaskFailure f : p.recentFailures()) {
                    if (shown++ == 5) {
                        break;
                    }
                    line(sb, width, String.format(Locale.ROOT, "  %s task %d on %s: %s", TIME.format(f.at()), f.taskId(),
                            f.worker().isEmpty() ? "-" : f.worker(), f.summary()));
                }
            }
            line(sb, width, "");
        }
        if (statuses.isEmpty()) {
            sb.append("(no pools)\n");
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, int width, String s) {
        String one = s.replace('\n', ' ').replace('\r', ' ');
        sb.append(one.length() > width ? one.substring(0, width - 1) + "…" : one).append('\n');
    }

    static String age(Duration d) {
        long ms = d.toMillis();
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        return s < 3600 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
                : String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60);
    }

    static String bytes(long b) {
        return b < 1 << 20 ? (b >> 10) + " KiB" : String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    }
}
