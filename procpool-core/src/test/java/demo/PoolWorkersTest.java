package demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.PooledWorker;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.WorkerContext;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.remote.WorkerServer;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A pool's workers as handles (pyworkers' {@code pool.workers}, and its "genocide" tests: kill
 * every worker of a busy pool and see the pool carry on), on every worker kind.
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
class PoolWorkersTest {
    private WorkerServer server;

    @BeforeEach
    void start() throws Exception {
        server = Servers.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Pool pool(WorkerType type) throws Exception {
        return Pool.create(PoolOptions.builder().name("genocide").minWorkers(2).maxWorkers(2).workerTypes(type)
                .workerOptions(Servers.options(server)).grace(Duration.ofMillis(500)).build());
    }

    private static String sleepForever() throws InterruptedException {
        Thread.sleep(600_000);
        return "woke";
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void workersAreListedWithWhatTheyDo(WorkerType type) throws Exception {
        try (Pool pool = pool(type)) {
            await().atMost(Servers.WAIT).until(() -> pool.workers().size() == 2
                    && pool.workers().stream().allMatch(w -> w.state() == WorkerState.RUNNING));
            assertThat(pool.submit(() -> 1).future().get(60, TimeUnit.SECONDS)).isEqualTo(1);
            TaskHandle<String> busy = pool.submit(PoolWorkersTest::sleepForever);
            await().atMost(Servers.WAIT).until(() -> pool.workers().stream()
                    .anyMatch(w -> w.currentTaskId().equals(java.util.OptionalLong.of(busy.id()))));

            List<PooledWorker> workers = pool.workers();
            assertThat(workers).extracting(PooledWorker::index).containsExactlyInAnyOrder(0, 1);
            assertThat(workers).extracting(PooledWorker::type).containsOnly(type);
            assertThat(workers).extracting(PooledWorker::name).allSatisfy(n -> assertThat(n).startsWith("genocide-"));
            assertThat(workers).allSatisfy(w -> {
                assertThat(w.isAlive()).isTrue();
                assertThat(w.host()).isNotBlank();
                assertThat(ProcessHandle.of(w.pid())).isPresent();
                assertThat(w.pid() == ProcessHandle.current().pid()).isEqualTo(type == WorkerType.THREAD);
            });
            assertThat(workers.stream().mapToLong(PooledWorker::tasksDone).sum()).isEqualTo(1);
            busy.cancel();
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void killingEveryWorkerFailsOrRetriesTheirTasksAndThePoolReplacesThem(WorkerType type, @TempDir Path dir)
            throws Exception {
        Path marker = dir.resolve("first-attempt");
        String markerPath = marker.toString();
        try (Pool pool = pool(type)) {
            TaskHandle<String> noRetry = pool.submit(PoolWorkersTest::sleepForever);
            TaskHandle<String> retried = pool.submit(() -> {
                Path m = Path.of(markerPath);
                if (Files.exists(m)) {
                    return "second attempt";
                }
                Files.writeString(m, "x");
                return sleepForever();
            }, TaskOptions.<String>builder().retriesOnWorkerDeath(1).build());
            await().atMost(Servers.WAIT).until(() -> Files.exists(marker) && pool.workers().stream()
                    .filter(w -> w.currentTaskId().isPresent()).count() == 2);
            List<PooledWorker> victims = pool.workers();
            Set<String> oldNames = victims.stream().map(PooledWorker::name).collect(Collectors.toSet());

            victims.forEach(PooledWorker::kill);

            assertThat(retried.future().get(60, TimeUnit.SECONDS)).isEqualTo("second attempt");
            assertThat(retried.attempts()).isEqualTo(2);
            assertThat(noRetry.future()).failsWithin(Servers.WAIT).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(WorkerDiedException.class);
            assertThat(victims).allSatisfy(w -> {
                await().atMost(Servers.WAIT).until(() -> !w.isAlive());
                assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
            });
            await().atMost(Servers.WAIT).until(() -> pool.workers().size() == 2);
            assertThat(pool.workers()).extracting(PooledWorker::name).doesNotContainAnyElementsOf(oldNames);
            assertThat(pool.workers()).extracting(PooledWorker::index).containsExactlyInAnyOrder(0, 1);
            assertThat(pool.submit(() -> "still serving").future().get(60, TimeUnit.SECONDS)).isEqualTo("still serving");
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void terminateFromTheHandleReturnsOnceTheWorkerIsGone(WorkerType type) throws Exception {
        try (Pool pool = pool(type)) {
            TaskHandle<String> busy = pool.submit(PoolWorkersTest::sleepForever);
            await().atMost(Servers.WAIT).until(() -> pool.workers().stream().anyMatch(w -> w.currentTaskId().isPresent()));
            PooledWorker victim = pool.workers().stream().filter(w -> w.currentTaskId().isPresent()).findFirst().orElseThrow();

            victim.terminate(Duration.ofSeconds(5));

            assertThat(victim.isAlive()).isFalse();
            assertThat(victim.state()).isEqualTo(WorkerState.TERMINATED);
            if (type != WorkerType.THREAD) {
                assertThat(ProcessHandle.of(victim.pid()).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
            }
            assertThat(busy.future()).failsWithin(Servers.WAIT).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(WorkerDiedException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void poolWorkersStartWithTheInitialStateAndTheHandleReadsIt(WorkerType type) throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(2).maxWorkers(2).workerTypes(type)
                .workerOptions(Servers.options(server).toBuilder().initialState(0).build()).build())) {
            List<TaskHandle<Integer>> tasks = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                tasks.add(pool.submit(() -> {
                    int n = WorkerContext.userState(Integer.class) + 1;
                    WorkerContext.setUserState(n);
                    return n;
                }));
            }
            for (TaskHandle<Integer> t : tasks) {
                assertThat(t.future().get(60, TimeUnit.SECONDS)).isPositive();
            }
            // each worker counted the tasks it ran; together, all of them
            assertThat(pool.workers().stream().mapToInt(w -> (Integer) w.userState().orElseThrow()).sum()).isEqualTo(6);
            assertThat(pool.workers()).allSatisfy(w -> assertThat(w.userState()).contains((int) w.tasksDone()));
        }
    }
}
