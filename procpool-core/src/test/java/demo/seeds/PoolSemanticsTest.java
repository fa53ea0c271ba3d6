package demo.seeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool semantics the seed examples rely on, each pinned down by a minimal case with gated tasks:
 * <ul>
 *   <li>the pool grows (up to {@code maxWorkers}) before it queues a task behind a busy worker;</li>
 *   <li>quick tasks do not wait behind a slow one while a worker is idle;</li>
 *   <li>{@link Pool#shutdownNow()} returns every task that never started, and such a task is
 *       {@link TaskState#QUEUED} until then;</li>
 *   <li>{@code queueCapacity} bounds the tasks waiting for a worker: {@link Pool#isFull()} and the
 *       rejection policy see them;</li>
 *   <li>{@link Pool#shutdownClear()} also drops the results of tasks that end after it;</li>
 *   <li>in {@link CallbackMode#DAEMON}, {@link Pool#processAllResults()} returns only once every
 *       task's callbacks have run.</li>
 * </ul>
 * A task here marks that it started (a file {@code started-NAME}) and then waits for the file
 * {@code gate}, so the test decides when it ends; a file reaches a child JVM where a latch could not.
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class PoolSemanticsTest {
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

    /** A second task starts a second worker rather than waiting behind the first task's. */
    @Test
    void poolGrowsToMaxWhenItsWorkerIsBusy(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().minWorkers(1).maxWorkers(2))) {
            TaskHandle<String> a = pool.submit(() -> startThenWait(d, "a"));
            TaskHandle<String> b = pool.submit(() -> startThenWait(d, "b"));
            try {
                await().atMost(Deadlines.LONG).until(() -> started(dir) == 2);
                assertThat(pool.stats().workersAlive()).isEqualTo(2);
                assertThat(pool.stats().workersStarted()).isEqualTo(2);
                assertThat(List.of(a.state(), b.state())).containsOnly(TaskState.RUNNING);
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** While one worker runs a slow task, the quick tasks all go to the other one. */
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
                    assertThat(h.future().get(Deadlines.SHORT.toSeconds(), TimeUnit.SECONDS)).startsWith("quick");
                }
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** A task waiting for the only (busy) worker is QUEUED, and shutdownNow() hands it back. */
    @Test
    void shutdownNowReturnsEveryTaskThatNeverStarted(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().minWorkers(1).maxWorkers(1))) {
            pool.submit(() -> startThenWait(d, "a"));
            Task<String> neverRuns = () -> "b";
            TaskHandle<String> b = pool.submit(neverRuns);
            try {
                await().atMost(Deadlines.LONG).until(() -> started(dir) == 1);
                assertThat(b.state()).as("b has not started").isEqualTo(TaskState.QUEUED);

                List<Task<?>> notStarted = pool.shutdownNow();
                assertThat(notStarted).containsExactly(neverRuns);
                assertThat(b.state()).isEqualTo(TaskState.CANCELLED);
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** A task waiting for the busy worker takes the queue's one place: the next is rejected (ABORT). */
    @Test
    void queueCapacityBoundsTheTasksWaitingForAWorker(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        try (Pool pool = readyPool(PoolOptions.builder().minWorkers(1).maxWorkers(1).queueCapacity(1)
                .rejectionPolicy(RejectionPolicy.ABORT))) {
            try {
                TaskHandle<String> running = pool.submit(() -> startThenWait(d, "running"));
                TaskHandle<String> waiting = pool.submit(() -> startThenWait(d, "waiting"));
                assertThat(running.state()).isEqualTo(TaskState.RUNNING);
                assertThat(waiting.state()).isEqualTo(TaskState.QUEUED);
                assertThat(pool.stats().queued()).isEqualTo(1);
                assertThat(pool.isFull()).isTrue();
                assertThatThrownBy(() -> pool.submit(() -> startThenWait(d, "one too many")))
                        .isInstanceOf(TaskRejectedException.class);
            } finally {
                Files.createFile(dir.resolve("gate"));
            }
        }
    }

    /** A batch job still running at shutdownClear() ends normally, but its result is not stored. */
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
            assertThat(pool.fetchResults()).isEmpty();
        }
    }

    /** processAllResults() in DAEMON mode waits for the callback even when the I/O thread is held up. */
    @Test
    void processAllResultsInDaemonModeWaitsForTheCallbacks(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        AtomicBoolean callbackRan = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        try (Pool pool = readyPool(PoolOptions.builder().maxWorkers(1).callbackMode(CallbackMode.DAEMON))) {
            TaskHandle<String> h = pool.submit(() -> startThenWait(d, "a"),
                    TaskOptions.<String>builder().onResult(v -> callbackRan.set(true)).build());
            // a dependent action of the future: it runs on the I/O thread that completes the future,
            // and holds it; the task's callbacks must not wait behind it
            h.future().whenComplete((v, e) -> {
                try {
                    release.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                Files.createFile(dir.resolve("gate"));
                assertTimeoutPreemptively(Deadlines.SHORT, pool::processAllResults);
                assertThat(callbackRan).as("the task's callback ran before processAllResults() returned").isTrue();
            } finally {
                release.countDown();
            }
        }
    }
}
