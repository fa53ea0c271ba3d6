package dev.procpool.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a child process or a procpool thread behind. It waits (with a deadline)
 * for them to go, since a worker that was just terminated may need a moment to be reaped; what is
 * still there after the deadline is killed, by pid, and reported.
 */
public final class LeakCheck implements AfterEachCallback {
    /**
     * Shared threads that live as long as the JVM by design, and the job hosts' pooled pipe readers
     * (shared by every job pool of a JVM; idle ones end by themselves after a while).
     */
    private static final List<String> LONG_LIVED = List.of("procpool-timer", "procpool-shutdown", "procpool-handoff",
            "procpool-job-output");

    @Override
    public void afterEach(ExtensionContext context) {
        Misbehave.releaseAll();
        try {
            await("child processes of the test JVM to end").atMost(Deadlines.SHORT)
                    .pollInterval(Duration.ofMillis(20)).until(() -> liveDescendants().isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            List<ProcessHandle> left = liveDescendants();
            String desc = left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                    .collect(Collectors.joining("; "));
            left.forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError("test left child processes behind: " + desc);
        }
        try {
            await("procpool threads to end").atMost(Deadlines.SHORT).pollInterval(Duration.ofMillis(20))
                    .until(() -> procpoolThreads().isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("test left threads behind: " + procpoolThreads());
        }
    }

    /** Live descendants; a zombie (state Z) counts as ended. */
    public static List<ProcessHandle> liveDescendants() {
        return ProcessHandle.current().descendants().filter(LeakCheck::isRunning).collect(Collectors.toList());
    }

    /** Whether a process exists and is not a zombie. */
    public static boolean isRunning(ProcessHandle p) {
        return p.isAlive() && !isZombie(p.pid());
    }

    /** Whether a pid is alive and not a zombie. */
    public static boolean isRunning(long pid) {
        return ProcessHandle.of(pid).map(LeakCheck::isRunning).orElse(false);
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the state follows the command name in parentheses, which may itself contain ") "
            String afterName = stat.substring(stat.lastIndexOf(')') + 2);
            return afterName.charAt(0) == 'Z' || afterName.charAt(0) == 'X';
        } catch (java.io.IOException | RuntimeException e) {
            return true; // gone while we looked
        }
    }

    static List<String> procpoolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("procpool-") && !LONG_LIVED.contains(n))
                .sorted()
                .collect(Collectors.toList());
    }
}
