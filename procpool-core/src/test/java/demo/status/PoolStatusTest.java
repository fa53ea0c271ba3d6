package demo.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskState;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.TaskFailure;
import dev.procpool.status.WorkerStatus;
import dev.procpool.testing.Deadlines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code Pool.status()} as a user outside procpool's packages sees it, on thread and process workers. */
@Tag("jvm")
class PoolStatusTest {
    private static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();

    static Task<String> waitFor(Path gate) {
        String path = gate.toString();
        return () -> {
            while (!Files.exists(Path.of(path))) {
                Thread.sleep(5);
            }
            return "released";
        };
    }

    static Task<Object> failing() {
        return () -> {
            throw new IllegalStateException("boom in the worker");
        };
    }

    private static Optional<WorkerStatus> runningTask(PoolStatus s, long taskId) {
        return s.workers().stream().filter(w -> w.currentTaskId().isPresent() && w.currentTaskId().getAsLong() == taskId)
                .findFirst();
    }

    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"THREAD", "PROCESS"})
    void aStuckTaskShowsOnItsWorkerWithAGrowingAgeAndAFailureKeepsItsWorkerSideStack(WorkerType type, @TempDir Path dir)
            throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(2).workerTypes(type).workerOptions(QUIET).build())) {
            TaskHandle<String> stuck = pool.submit(waitFor(gate));
            TaskHandle<Object> bad = pool.submit(failing());

            AtomicReference<WorkerStatus> first = new AtomicReference<>();
            await().atMost(Deadlines.LONG).until(() -> {
                Optional<WorkerStatus> w = runningTask(pool.status(), stuck.id());
                w.ifPresent(first::set);
                return w.isPresent() && w.get().state() == WorkerStatus.State.BUSY;
            });
            Duration age1 = first.get().currentTaskAge().orElseThrow();
            await().atMost(Deadlines.SHORT).until(() -> runningTask(pool.status(), stuck.id())
                    .flatMap(WorkerStatus::currentTaskAge).orElseThrow().compareTo(age1.plusMillis(200)) > 0);

            await().atMost(Deadlines.LONG).until(() -> !pool.status().recentFailures().isEmpty());
            PoolStatus s = pool.status();
            TaskFailure f = s.recentFailures().get(0);
            assertThat(f.taskId()).isEqualTo(bad.id());
            assertThat(f.outcome()).isEqualTo(TaskState.FAILED);
            assertThat(f.summary()).isEqualTo("java.lang.IllegalStateException: boom in the worker");
            assertThat(f.stackTrace()).contains("boom in the worker").contains("demo.status.PoolStatusTest");
            assertThat(f.worker()).startsWith(s.name());
            assertThat(s.worker(f.worker()).orElseThrow().tasksFailed()).isEqualTo(1);
            assertThat(s.totals().failed()).isEqualTo(1);
            assertThat(s.queued()).isZero();

            WorkerStatus busy = runningTask(s, stuck.id()).orElseThrow();
            assertThat(busy.type()).isEqualTo(type);
            if (type == WorkerType.THREAD) {
                // a thread worker has no process of its own: no pid, no memory of its own to show
                assertThat(busy.pid()).isEmpty();
                assertThat(busy.rssBytes()).isEmpty();
            } else {
                long pid = busy.pid().orElseThrow();
                assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
                long childRss = vmRssBytes(pid);
                assertThat(busy.rssBytes().orElseThrow()).isBetween(childRss / 2, childRss * 2)
                        .isNotEqualTo(vmRssBytes(ProcessHandle.current().pid()));
                assertThat(busy.cpuTime()).isPresent();
            }
            Files.createFile(gate);
            assertThat(stuck.future().get()).isEqualTo("released");
            await().atMost(Deadlines.SHORT).until(() -> pool.status().workers().stream()
                    .allMatch(w -> w.state() == WorkerStatus.State.IDLE));
            assertThat(pool.status().throughput().stream().mapToInt(Integer::intValue).sum()).isEqualTo(2);
        }
    }

    private static long vmRssBytes(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
            }
        }
        throw new AssertionError("no VmRSS for " + pid);
    }

    @Test
    void aRemoteWorkerShowsItsHostAndRemotePidButNoMemoryReadHere(@TempDir Path dir) throws Exception {
        dev.procpool.Token token = dev.procpool.Token.of("0123456789abcdef0123456789abcdef");
        try (WorkerServer server = WorkerServer.start(WorkerServerOptions.builder().token(token)
                .output(OutputHandler.discard()).log(line -> { }).build());
             Pool pool = Pool.create(PoolOptions.builder().maxWorkers(1).workerTypes(WorkerType.REMOTE)
                     .workerOptions(WorkerOptions.builder().output(OutputHandler.discard())
                             .remote(server.remoteOptions().allowClasses("demo.**").build()).build()).build())) {
            Path gate = dir.resolve("gate");
            TaskHandle<String> stuck = pool.submit(waitFor(gate));
            await().atMost(Deadlines.LONG).until(() -> runningTask(pool.status(), stuck.id())
                    .filter(w -> w.state() == WorkerStatus.State.BUSY).isPresent());
            WorkerStatus w = runningTask(pool.status(), stuck.id()).orElseThrow();
            assertThat(w.type()).isEqualTo(WorkerType.REMOTE);
            assertThat(w.pid().orElseThrow()).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(w.host()).isNotEmpty();
            // its process is on the worker server's host: nothing of it is read from this host's /proc
            assertThat(w.rssBytes()).isEmpty();
            assertThat(w.cpuTime()).isEmpty();
            Files.createFile(gate);
            assertThat(stuck.future().get()).isEqualTo("released");
        }
    }

    @Test
    void aWorkerKilledForATimeoutShowsWhyItExited(@TempDir Path dir) throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(1).workerTypes(WorkerType.PROCESS).workerOptions(QUIET)
                .grace(Duration.ofMillis(200)).build())) {
            TaskHandle<String> hung = pool.submit(waitFor(dir.resolve("never")),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(500)).build());
            await().atMost(Deadlines.LONG).until(() -> hung.state() == TaskState.TIMED_OUT);
            await().atMost(Deadlines.SHORT).until(() -> pool.status().workers().stream()
                    .anyMatch(w -> w.state() == WorkerStatus.State.EXITED));
            WorkerStatus gone = pool.status().workers().stream().filter(w -> w.state() == WorkerStatus.State.EXITED)
                    .findFirst().orElseThrow();
            assertThat(gone.exitReason().orElseThrow())
                    .contains("task " + hung.id() + " ran past its timeout of 500 ms")
                    .containsPattern("SIG(TERM|KILL)|exited with code");
            assertThat(gone.tasksFailed()).isEqualTo(1);
            assertThat(pool.status().recentFailures().get(0).outcome()).isEqualTo(TaskState.TIMED_OUT);
        }
    }

    @Test
    void aWorkerKilledFromOutsideShowsTheSignal(@TempDir Path dir) throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().maxWorkers(1).workerTypes(WorkerType.PROCESS).workerOptions(QUIET)
                .build())) {
            TaskHandle<String> victim = pool.submit(waitFor(dir.resolve("never")));
            await().atMost(Deadlines.LONG).until(() -> runningTask(pool.status(), victim.id()).isPresent());
            long pid = runningTask(pool.status(), victim.id()).orElseThrow().pid().orElseThrow();
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            await().atMost(Deadlines.SHORT).until(() -> pool.status().workers().stream()
                    .anyMatch(w -> w.state() == WorkerStatus.State.EXITED));
            WorkerStatus gone = pool.status().workers().stream().filter(w -> w.state() == WorkerStatus.State.EXITED)
                    .findFirst().orElseThrow();
            assertThat(gone.pid()).hasValue(pid);
            assertThat(gone.exitReason().orElseThrow()).contains("killed by SIGKILL");
            assertThat(pool.stats().workersDied()).isEqualTo(1);
        }
    }
}
