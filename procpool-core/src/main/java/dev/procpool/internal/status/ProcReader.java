package dev.procpool.internal.status;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a process's resident memory and CPU time from {@code /proc} (Linux), cached for
 * {@link #CACHE_NANOS} per pid so that status pages polled by several clients do not multiply the
 * reads. Elsewhere, or for a process that is gone, the values are -1.
 *
 * <pre>{@code
 * ProcReader.Sample s = ProcReader.read(pid);   // s.rssBytes(), s.cpuNanos(); -1 when unknown
 * }</pre>
 */
public final class ProcReader {
    /** Reads younger than this are reused: a status is polled at most about every 100 ms. */
    static final long CACHE_NANOS = 100_000_000L;
    /**
     * Clock ticks per second of {@code /proc/<pid>/stat}'s times. {@code sysconf(_SC_CLK_TCK)} is
     * not reachable from Java; it is 100 on every Linux architecture the JDK runs on (USER_HZ).
     */
    static final long TICKS_PER_SECOND = 100;
    private static final boolean LINUX = Files.isDirectory(Path.of("/proc/self"));
    private static final ConcurrentHashMap<Long, Sample> CACHE = new ConcurrentHashMap<>();

    private ProcReader() {
    }

    /** Resident set size and CPU time (user + system) of a process; -1 each when unknown. */
    public record Sample(long readAt, long rssBytes, long cpuNanos) {
    }

    /** The values of {@code pid}, at most {@link #CACHE_NANOS} old. */
    public static Sample read(long pid) {
        if (!LINUX || pid <= 0) {
            return new Sample(System.nanoTime(), -1, -1);
        }
        long now = System.nanoTime();
        Sample s = CACHE.get(pid);
        if (s != null && now - s.readAt < CACHE_NANOS) {
            return s;
        }
        s = new Sample(now, rss(pid), cpu(pid));
        if (s.rssBytes < 0 && s.cpuNanos < 0) {
            CACHE.remove(pid); // gone: do not keep it (pids are reused)
        } else {
            if (CACHE.size() > 4096) {
                CACHE.clear(); // bounded: entries of long-gone processes are simply dropped
            }
            CACHE.put(pid, s);
        }
        return s;
    }

    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
            return -1; // a zombie has no VmRSS line
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long cpu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name (field 2) may hold spaces and parentheses: fields count from the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
            return ticks * (1_000_000_000L / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
