package dev.procpool.remote;

import static dev.procpool.remote.RemoteWorkerTest.remote;
import static dev.procpool.remote.RemoteWorkerTest.serverOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskOptions;
import dev.procpool.TaskTimeoutException;
import dev.procpool.Worker;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import dev.procpool.testing.Misbehave;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What happens to remote work when it hangs, when the server dies, and when the server freezes. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class RemoteFaultTest {

    @Test
    void aTimedOutRemoteTaskIsKilledWithItsRemoteProcess() throws Exception {
        try (WorkerServer server = WorkerServer.start(serverOptions());
                Pool pool = Pool.create(PoolOptions.builder().maxWorkers(1).workerTypes(WorkerType.REMOTE)
                        .grace(Deadlines.GRACE).workerOptions(remote(server)).build())) {
            long pid = pool.submit(() -> ProcessHandle.current().pid()).future().get(60, TimeUnit.SECONDS);
            assertThat(LeakCheck.isRunning(pid)).isTrue();

            var spinning = pool.submit(Misbehave.spinIgnoringInterrupts(),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(500)).build());

            assertThat(spinning.future()).failsWithin(Deadlines.LONG).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(TaskTimeoutException.class);
            await("the remote worker process to be killed").atMost(Deadlines.SHORT)
                    .until(() -> !LeakCheck.isRunning(pid));
            assertThat(pool.submit(() -> "still serving").future().get(60, TimeUnit.SECONDS)).isEqualTo("still serving");
        }
    }

    @Test
    void aServerKilledMidTaskFailsOverToAnotherWorkerAndThePoolGoesOn(@TempDir Path dir) throws Exception {
        Path started = dir.resolve("started");
        String marker = started.toString();
        WorkerServer server = WorkerServer.spawn(serverOptions());
        try {
            WorkerOptions local = WorkerOptions.builder().output(OutputHandler.discard()).build();
            WorkerOptions remote = remote(server);
            PoolOptions options = PoolOptions.builder().minWorkers(2).maxWorkers(2).grace(Deadlines.GRACE)
                    .workerTypes(WorkerType.REMOTE, WorkerType.PROCESS).workerOptions(i -> i % 2 == 0 ? remote : local)
                    .build();
            try (Pool pool = Pool.create(options)) {
                dev.procpool.Task<String> task = () -> {
                    if (System.getProperty("procpool.serialFilter") != null) { // only a remote worker has it
                        Files.writeString(Path.of(marker), Long.toString(ProcessHandle.current().pid()));
                        Thread.sleep(60_000);
                    }
                    return "done locally";
                };
                TaskOptions<String> retry = TaskOptions.<String>builder().retriesOnWorkerDeath(2).build();
                java.util.List<dev.procpool.TaskHandle<String>> handles = new java.util.concurrent.CopyOnWriteArrayList<>();
                // the local worker answers at once; submit until the remote one holds a task
                await().atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(50)).until(() -> {
                    handles.add(pool.submit(task, retry));
                    return Files.exists(started) && Files.size(started) > 0;
                });
                killAndCheck(server, started);
                for (var h : handles) {
                    assertThat(h.future().get(60, TimeUnit.SECONDS)).isEqualTo("done locally");
                }
                assertThat(pool.stats().retried()).isGreaterThanOrEqualTo(1);
                assertThat(pool.submit(() -> 6 * 7).future().get(60, TimeUnit.SECONDS)).isEqualTo(42);
                pool.shutdownNow();
            }
        } finally {
            server.close();
        }
    }

    @Test
    void whenItsServerIsGoneAPoolRunsItsTasksOnTheLocalWorkerWithoutSpendingAttempts() throws Exception {
        WorkerServer server = WorkerServer.start(serverOptions());
        WorkerOptions remote = remote(server);
        WorkerOptions local = WorkerOptions.builder().output(OutputHandler.discard()).build();
        PoolOptions options = PoolOptions.builder().minWorkers(2).maxWorkers(2).grace(Deadlines.GRACE)
                .workerTypes(WorkerType.REMOTE, WorkerType.PROCESS).workerOptions(i -> i % 2 == 0 ? remote : local)
                .build();
        try (Pool pool = Pool.create(options)) {
            server.close(); // kills its worker; replacements cannot connect
            await("the pool to see its remote worker die").atMost(Deadlines.SHORT)
                    .until(() -> pool.stats().workersDied() >= 1);
            java.util.List<dev.procpool.TaskHandle<Integer>> handles = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                handles.add(pool.submit(() -> { // slow enough for the pool to try to grow (remote again)
                    Thread.sleep(50);
                    return n * 2;
                })); // no retries: a start that failed must not use up an attempt
            }
            for (int i = 0; i < 20; i++) {
                assertThat(handles.get(i).future().get(60, TimeUnit.SECONDS)).isEqualTo(i * 2);
            }
            pool.shutdownNow();
        }
    }

    private static void killAndCheck(WorkerServer server, Path started) throws Exception {
        long remotePid = Long.parseLong(Files.readString(started).trim());
        ProcessHandle.of(server.pid().getAsLong()).orElseThrow().destroyForcibly(); // SIGKILL
        await("the orphaned remote worker to exit").atMost(Deadlines.SHORT)
                .until(() -> !LeakCheck.isRunning(remotePid));
    }

    @Test
    void aStoppedServerIsDeclaredDeadByTheHeartbeat() throws Exception {
        WorkerServer server = WorkerServer.spawn(serverOptions());
        long serverPid = server.pid().getAsLong();
        try {
            WorkerOptions options = remote(server).toBuilder()
                    .heartbeat(Duration.ofMillis(200), Duration.ofMillis(1500)).build();
            Worker<String> w = Workers.start(WorkerType.REMOTE, Misbehave.hang(), options);
            assertThat(w.pid()).isPositive();
            signal("STOP", serverPid);
            try {
                assertThat(w.await(Deadlines.LONG)).isTrue();
                assertThat(w.state()).isEqualTo(WorkerState.DIED);
                assertThat(w.error().orElseThrow()).isInstanceOf(WorkerDiedException.class)
                        .hasMessageContaining("unresponsive");
            } finally {
                signal("CONT", serverPid);
            }
            long remotePid = w.pid();
            await("the server to kill the worker it lost").atMost(Deadlines.SHORT)
                    .until(() -> !LeakCheck.isRunning(remotePid));
        } finally {
            signal("CONT", serverPid);
            server.close();
        }
    }

    private static void signal(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
}
