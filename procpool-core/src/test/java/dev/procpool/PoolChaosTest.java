package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 20,000 tasks through a pool of process workers while tasks fail, time out and kill their own
 * worker, and a killer thread SIGKILLs workers from outside: every task must end exactly once with
 * the outcome its kind calls for, the counters must add up, and nothing may be left behind.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class PoolChaosTest {
    private static final int TASKS = 20_000;
    private static final long SEED = 20261122L;
    /** Enough outside kills to matter, few enough that restarting workers does not dominate. */
    private static final int MAX_KILLS = 40;

    enum Kind { OK, THROWS, TIMES_OUT, EXITS }

    @Test
    void everyTaskEndsExactlyOnceWithTheRightOutcome() throws Exception {
        Random random = new Random(SEED);
        List<Kind> kinds = new ArrayList<>(TASKS);
        for (int i = 0; i < TASKS; i++) {
            int r = random.nextInt(10_000);
            kinds.add(r < 20 ? Kind.TIMES_OUT : r < 40 ? Kind.EXITS : r < 840 ? Kind.THROWS : Kind.OK);
        }
        PoolOptions options = PoolOptions.builder().name("chaos").maxWorkers(2).minWorkers(2)
                .workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build())
                .grace(Duration.ofMillis(100)).build();
        AtomicInteger kills = new AtomicInteger();
        List<TaskHandle<Integer>> handles = new ArrayList<>(TASKS);
        try (Pool pool = Pool.create(options)) {
            ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
            Random killerRandom = new Random(SEED + 1);
            killer.scheduleAtFixedRate(() -> killOneWorker(kills, killerRandom), 200, 200, TimeUnit.MILLISECONDS);
            try {
                for (int i = 0; i < TASKS; i++) {
                    handles.add(submit(pool, i, kinds.get(i)));
                }
                for (TaskHandle<Integer> h : handles) {
                    try {
                        h.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
                    } catch (ExecutionException | CancellationException e) {
                        // checked below, by kind
                    }
                }
            } finally {
                killer.shutdownNow();
                assertThat(killer.awaitTermination(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            }

            int ok = 0;
            int failedExpected = 0;
            int timedOutExpected = 0;
            for (int i = 0; i < TASKS; i++) {
                TaskHandle<Integer> h = handles.get(i);
                Kind kind = kinds.get(i);
                switch (kind) {
                    case OK -> {
                        assertThat(h.state()).as("task %d (%s), %d attempts, %s", i, kind, h.attempts(), cause(h))
                                .isEqualTo(TaskState.SUCCEEDED);
                        assertThat(h.future().join()).isEqualTo(i);
                        ok++;
                    }
                    case THROWS -> {
                        assertThat(h.state()).as("task %d (%s), %d attempts, %s", i, kind, h.attempts(), cause(h)).isEqualTo(TaskState.FAILED);
                        // the task's own exception, with where it ran suppressed beside it
                        assertThat(cause(h)).isInstanceOf(IllegalStateException.class).hasMessage("planned failure " + i);
                        assertThat(FailureContext.of(cause(h))).isPresent();
                        failedExpected++;
                    }
                    case TIMES_OUT -> {
                        assertThat(h.state()).as("task %d (%s), %d attempts, %s", i, kind, h.attempts(), cause(h)).isEqualTo(TaskState.TIMED_OUT);
                        assertThat(cause(h)).isInstanceOf(TaskTimeoutException.class);
                        timedOutExpected++;
                    }
                    case EXITS -> {
                        assertThat(h.state()).as("task %d (%s)", i, kind).isEqualTo(TaskState.FAILED);
                        assertThat(cause(h)).isInstanceOf(WorkerDiedException.class);
                        failedExpected++;
                    }
                }
            }
            PoolStats s = pool.stats();
            assertThat(s.submitted()).isEqualTo(TASKS);
            assertThat(s.completed()).isEqualTo(ok);
            assertThat(s.failed()).isEqualTo(failedExpected);
            assertThat(s.timedOut()).isEqualTo(timedOutExpected);
            assertThat(s.cancelled()).isZero();
            assertThat(s.queued()).isZero();
            assertThat(s.running()).isZero();
            assertThat(s.submitted()).isEqualTo(s.completed() + s.failed() + s.timedOut() + s.cancelled());
            assertThat(kills.get()).as("the killer did kill workers").isPositive();
            assertThat(s.workersDied()).isGreaterThanOrEqualTo(kills.get());
        }
    }

    private static Throwable cause(TaskHandle<?> h) {
        try {
            h.future().join();
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    private static TaskHandle<Integer> submit(Pool pool, int i, Kind kind) {
        return switch (kind) {
            // a task killed from outside runs again: as often as the killer may kill
            case OK -> pool.submit(() -> i, TaskOptions.<Integer>builder().retriesOnWorkerDeath(MAX_KILLS).build());
            case THROWS -> pool.submit(() -> {
                throw new IllegalStateException("planned failure " + i);
            }, TaskOptions.<Integer>builder().retriesOnWorkerDeath(MAX_KILLS).build());
            case TIMES_OUT -> pool.submit(() -> {
                while (true) {
                    Thread.interrupted(); // spins and ignores interrupts
                }
            }, TaskOptions.<Integer>builder().timeout(Duration.ofMillis(150)).retriesOnWorkerDeath(MAX_KILLS).build());
            case EXITS -> pool.submit(() -> {
                Runtime.getRuntime().halt(3);
                return -1;
            });
        };
    }

    /** SIGKILLs one of this test's pool workers, found by its name, by pid. */
    private static void killOneWorker(AtomicInteger kills, Random random) {
        if (kills.get() >= MAX_KILLS) {
            return;
        }
        List<ProcessHandle> workers = LeakCheck.liveDescendants().stream()
                .filter(p -> p.info().commandLine().orElse("").contains("-Dprocpool.worker=chaos-"))
                .toList();
        if (!workers.isEmpty() && workers.get(random.nextInt(workers.size())).destroyForcibly()) {
            kills.incrementAndGet();
        }
    }
}
