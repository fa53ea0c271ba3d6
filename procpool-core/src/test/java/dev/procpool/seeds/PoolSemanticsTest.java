package dev.procpool.seeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Batch;
import dev.procpool.CallbackMode;
import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.RejectionPolicy;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskRejectedException;
import dev.procpool.TaskState;
import dev.procpool.WorkerOptions;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Minimal reproducers of what the seed examples found wrong in the pool. Each asserts the behaviour
 * the seeds (and SPEC.md) expect and FAILS today, so they only run on request:
 * {@code mvn test -pl procpool-core -Dtest='dev.procpool.seeds.SeedKnownIssuesTest' -Dprocpool.knownIssues=true}.
 * When one is fixed, drop its condition and the matching note in docs/seeds.md.
 */
@ExtendWith(LeakCheck.class)
@EnabledIfSystemProperty(named = "procpool.knownIssues", matches = "true")
class SeedKnownIssuesTest {
    private static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();

    /** Marks that it started (file started-NAME), then waits for the file "gate"; returns its name. */
    static String startThenWait(String dir, String name) throws IOException, InterruptedException {
        Files.createFile(Path.of(dir, "started-" + name));
        while (!Files.exists(Path.of(dir, "gate"))) {
            Thread.sleep(10);
        }
        return name;
    }

    static long started(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("started-")).count();
        }
    }

    private static Pool readyPool(PoolOptions.Builder builder) throws Exception {
        Pool pool = Pool.create(builder.workerOptions(QUIET).closeTimeout(Deadlines.SHORT).build());
        await().atMost(Deadlines.LONG).until(pool::hasFreeSlots);
        return pool;
    }

    /** Issue 1: a busy worker takes (pipelines) the next untimed task, so the pool never grows. */
    @Test
    void poolGrowsToMaxWhenItsWorkerIsBusy(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().minWorkers(1).maxWorkers(2))) {
            pool.submit(() -> startThenWait(d, "a"));
            pool.submit(() -> startThenWait(d, "b"));
            try {
                // today: started stays 1, workersAlive 1, and "b" says RUNNING while it waits behind "a"
                await().atMost(Deadlines.SHORT).until(() -> started(dir) == 2);
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** Issue 1, consequence: a quick task waits behind a slow one while another worker is idle. */
    @Test
    void quickTasksDoNotWaitBehindASlowOneWhileAWorkerIsIdle(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().minWorkers(2).maxWorkers(2))) {
            await().atMost(Deadlines.LONG).until(() -> pool.stats().workersAlive() == 2 && pool.hasFreeSlots());
            pool.submit(() -> startThenWait(d, "slow"));
            List<TaskHandle<String>> quick = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String name = "quick" + i;
                quick.add(pool.submit(() -> name));
            }
            try {
                for (TaskHandle<String> h : quick) {
                    // today: every other quick task is queued behind "slow" on the same worker
                    assertThat(h.future().get(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).startsWith("quick");
                }
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** Issue 1, consequence: shutdownNow() does not return tasks that never started. */
    @Test
    void shutdownNowReturnsEveryTaskThatNeverStarted(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().minWorkers(1).maxWorkers(1))) {
            pool.submit(() -> startThenWait(d, "a"));
            Task<String> neverRuns = () -> "b";
            TaskHandle<String> b = pool.submit(neverRuns);
            try {
                await().atMost(Deadlines.LONG).until(() -> started(dir) == 1);
                assertThat(b.state()).as("b has not started").isEqualTo(TaskState.QUEUED);  // today: RUNNING

                List<Task<?>> notStarted = pool.shutdownNow();
                assertThat(notStarted).containsExactly(neverRuns);                        // today: empty
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** Issue 1, consequence: queueCapacity / isFull / the rejection policy only see what no worker took. */
    @Test
    void queueCapacityBoundsTheTasksWaitingForAWorker(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().minWorkers(1).maxWorkers(1).queueCapacity(1)
                .rejectionPolicy(RejectionPolicy.ABORT))) {
            try {
                pool.submit(() -> startThenWait(d, "running"));
                pool.submit(() -> startThenWait(d, "waiting"));
                assertThat(pool.isFull()).isTrue();                                    // today: false
                // today: accepted; 32 tasks fit in the worker's pipeline before the queue fills
                assertThatThrownBy(() -> pool.submit(() -> startThenWait(d, "one too many")))
                        .isInstanceOf(TaskRejectedException.class);
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** Issue 2: shutdownClear() keeps the results of tasks that end after the call. */
    @Test
    void shutdownClearDropsResultsThatArriveLater(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().maxWorkers(1))) {
            List<Task<String>> jobs = List.of(() -> startThenWait(d, "a"));
            Batch<String> batch = pool.submitBatch(jobs);
            await().atMost(Deadlines.LONG).until(() -> started(dir) == 1);

            pool.shutdownClear();
            Files.createFile(dir.resolve("gate"));
            assertThat(pool.awaitTermination(Deadlines.LONG)).isTrue();
            assertThat(batch.tasks().get(0).future().join()).isEqualTo("a");
            assertThat(pool.fetchResults()).isEmpty();                                  // today: [a]
        }
    }

    /** Issue 3: in DAEMON mode, processAllResults() may return before the last callbacks ran. */
    @Test
    void processAllResultsInDaemonModeWaitsForTheCallbacks(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        AtomicBoolean callbackRan = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        try (Pool pool = readyPool(PoolOptions.builder().maxWorkers(1).callbackMode(CallbackMode.DAEMON))) {
            TaskHandle<String> h = pool.submit(() -> startThenWait(d, "a"),
                    TaskOptions.<String>builder().onResult(v -> callbackRan.set(true)).build());
            // a dependent action of the future: it runs on the I/O thread when the task ends, before
            // the pool hands the task's callbacks to its callback thread; here it holds that thread
            h.future().whenComplete((v, e) -> {
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                Files.createFile(dir.resolve("gate"));
                pool.processAllResults();
                assertThat(callbackRan).as("the task's callback ran before processAllResults() returned").isTrue();
            } finally {
                release.countDown();
            }
        }
    }
}
