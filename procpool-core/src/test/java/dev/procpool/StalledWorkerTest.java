package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that stops reading (SIGSTOP) while the pool sends it a task of many MiB from the shared
 * timer (the retry of a task that timed out) must hold up nothing but itself: other tasks' timeouts,
 * the heartbeat that kills the stopped worker, and other workers' start deadlines all still fire on
 * time. The bounds leave room for a loaded machine; a stall of the shared timer would miss them all.
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
class StalledWorkerTest {
    /** Far more than loopback socket buffers take, so a write to a reader that stopped blocks. */
    private static final int BIG = 16 << 20;
    /** Room on top of each safeguard's own delay, for a loaded 2-core machine. */
    private static final Duration SLACK = Duration.ofSeconds(5);

    /** A task that records its worker's pid in {@code dir/name-PID}, then waits for {@code dir/release}. */
    private static Task<Long> park(Path dir, String name) {
        String d = dir.toString();
        return () -> {
            long pid = ProcessHandle.current().pid();
            Files.writeString(Path.of(d, name + "-" + pid), "");
            while (!Files.exists(Path.of(d, "release"))) {
                Thread.sleep(5);
            }
            return pid;
        };
    }

    /** The pid recorded by the first task named {@code name} to start. */
    private static long pidOf(Path dir, String name) throws Exception {
        await().atMost(Deadlines.LONG).until(() -> started(dir, name).size() > 0);
        return started(dir, name).get(0);
    }

    private static List<Long> started(Path dir, String name) throws java.io.IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(name + "-"))
                    .map(n -> Long.parseLong(n.substring(name.length() + 1))).toList();
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor()).isZero();
    }

    private static Throwable failure(TaskHandle<?> h, Duration within) throws Exception {
        try {
            h.future().get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError(h + " succeeded");
    }

    @Test
    void aStoppedWorkerSentABigRetryFromTheTimerHoldsUpNoOtherSafeguard(@TempDir Path dir) throws Exception {
        Duration heartbeatTimeout = Duration.ofSeconds(2);
        WorkerOptions workers = WorkerOptions.builder().output(OutputHandler.discard())
                .heartbeat(Duration.ofMillis(200), heartbeatTimeout).build();
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(3).maxWorkers(3).workerOptions(workers)
                .grace(Duration.ofMillis(300)).build())) {
            // three ready workers, each holding one task: so each has a pid we know
            List<TaskHandle<Long>> first = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                first.add(pool.submit(park(dir, "first")));
            }
            await().atMost(Deadlines.LONG).until(() -> started(dir, "first").size() == 3);
            Set<Long> pids = new HashSet<>(started(dir, "first"));
            Files.writeString(dir.resolve("release"), "");
            for (TaskHandle<Long> h : first) {
                h.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
            }
            Files.delete(dir.resolve("release"));

            // X runs an untimed task; Y a big timed one, retried once on timeout; Z is idle
            TaskHandle<Long> blocker = pool.submit(park(dir, "blocker"));
            long x = pidOf(dir, "blocker");
            byte[] payload = new byte[BIG];
            Task<Long> parked = park(dir, "big");
            TaskHandle<Long> big = pool.submit(() -> parked.call() + payload.length,
                    TaskOptions.<Long>builder().timeout(Duration.ofSeconds(1)).retriesOnTimeout(1).build());
            long y = pidOf(dir, "big");
            pids.remove(x);
            pids.remove(y);
            long z = pids.iterator().next();

            // X and Z stop reading; at Y's deadline the timer kills Y and sends the retry to Z, the only idle worker
            signal("STOP", x);
            signal("STOP", z);
            long stoppedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(1).plus(SLACK)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !LeakCheck.isRunning(y));

            // now, with the retry stuck in the write to Z: an unrelated timed task (on Y's replacement
            // once that is up, as X and Z are busy) and a worker whose "JVM" never connects back
            TaskHandle<Long> unrelated = pool.submit(park(dir, "unrelated"),
                    TaskOptions.<Long>builder().timeout(Duration.ofSeconds(1)).build());
            Path neverConnects = dir.resolve("java");
            Files.writeString(neverConnects, "#!/bin/sh\nexec sleep 120\n");
            Files.setPosixFilePermissions(neverConnects, PosixFilePermissions.fromString("rwx------"));
            long lateStartedAt = System.nanoTime();
            Worker<String> late = Workers.start(WorkerType.PROCESS, () -> "never",
                    WorkerOptions.builder().output(OutputHandler.discard()).javaExecutable(neverConnects)
                            .classDataSharing(false).startTimeout(Duration.ofSeconds(1)).build());

            // both stopped workers are killed though the write to Z never finished: X (its task is
            // untimed) only by its heartbeat, Z by its heartbeat or the retry's own timeout
            Duration left = heartbeatTimeout.plus(SLACK).minusNanos(System.nanoTime() - stoppedAt);
            await().atMost(left.isNegative() ? Duration.ofMillis(100) : left).pollInterval(Duration.ofMillis(20))
                    .until(() -> !LeakCheck.isRunning(x) && !LeakCheck.isRunning(z));
            assertThat(failure(blocker, Deadlines.SHORT)).isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("unresponsive");
            Throwable bigFailure = failure(big, Deadlines.SHORT);
            if (bigFailure instanceof TaskTimeoutException) {
                assertThat(bigFailure).hasMessageContaining("attempt 2");
            } else {
                assertThat(bigFailure).isInstanceOf(WorkerDiedException.class).hasMessageContaining("unresponsive");
            }
            assertThat(big.attempts()).isEqualTo(2);

            // the start deadline fired: then up to 2 s for the process to go on its own before it is signalled
            assertThat(late.await(Duration.ofSeconds(3).plus(SLACK))).isTrue();
            assertThat(late.state()).isEqualTo(WorkerState.DIED);
            assertThat(late.exit().orElseThrow().description()).contains("start timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - lateStartedAt)).isLessThan(Duration.ofSeconds(3).plus(SLACK));

            // the unrelated task's timeout fires on time
            pidOf(dir, "unrelated");
            long unrelatedStarted = System.nanoTime();
            assertThat(failure(unrelated, Duration.ofSeconds(1).plus(SLACK))).isInstanceOf(TaskTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - unrelatedStarted)).isLessThan(Duration.ofSeconds(1).plus(SLACK));

        }
    }
}
