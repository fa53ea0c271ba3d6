package dev.procpool.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Token;
import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
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
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Remote workers through real worker servers on 127.0.0.1: the same API as local ones. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class RemoteWorkerTest {
    static final Token TOKEN = Token.of("0123456789abcdef0123456789abcdef");

    static WorkerServerOptions serverOptions() {
        return WorkerServerOptions.builder().token(TOKEN).output(OutputHandler.discard()).log(line -> { }).build();
    }

    static WorkerOptions remote(WorkerServer server) {
        return WorkerOptions.builder().output(OutputHandler.discard()).grace(Deadlines.GRACE)
                .remote(server.remoteOptions().build()).build();
    }

    static long myPid() {
        return ProcessHandle.current().pid();
    }

    @Test
    void aRemoteWorkersSlf4jEventsComeHomeThroughTheServer() throws Exception {
        java.util.concurrent.BlockingQueue<dev.procpool.logs.LogEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
        try (WorkerServer server = WorkerServer.spawn(serverOptions())) {
            WorkerOptions options = remote(server).toBuilder().logSink(events::add).build();
            Worker<String> w = Workers.start(WorkerType.REMOTE, () -> {
                org.slf4j.LoggerFactory.getLogger("remote.task").warn("hello from {}", "afar");
                return "done";
            }, options);

            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isEqualTo("done");
            dev.procpool.logs.LogEvent e = events.poll(Deadlines.LONG.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(e).as("the remote worker's SLF4J event").isNotNull();
            assertThat(e.logger()).isEqualTo("remote.task");
            assertThat(e.message()).isEqualTo("hello from afar");
            assertThat(e.worker()).isEqualTo(w.name());
        }
    }

    @Test
    void oneShotRemoteWorkerRunsInAProcessOfTheServerAndReportsItsRealPid() throws Exception {
        try (WorkerServer server = WorkerServer.spawn(serverOptions())) {
            Worker<Long> w = Workers.start(WorkerType.REMOTE, () -> ProcessHandle.current().pid(), remote(server));
            long pid = w.pid();

            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
            assertThat(w.result()).isEqualTo(pid);
            assertThat(pid).isNotEqualTo(myPid()).isNotEqualTo(server.pid().getAsLong());
            assertThat(ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                    .as("the worker is the server's child").satisfiesAnyOf(
                            p -> assertThat(p).contains(server.pid().getAsLong()),
                            p -> assertThat(LeakCheck.isRunning(pid)).isFalse());
            assertThat(w.type()).isEqualTo(WorkerType.REMOTE);
            assertThat(w.host()).isNotBlank().isNotEqualTo("?");
            assertThat(w.launchCommand()).hasValueSatisfying(c -> assertThat(c).contains("ChildMain"));
            await().atMost(Deadlines.SHORT).until(() -> !LeakCheck.isRunning(pid));
        }
    }

    @Test
    void aRemoteWorkersOutputReachesTheControllersHandlerTaggedWithItsName() throws Exception {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (WorkerServer server = WorkerServer.start(serverOptions())) {
            WorkerOptions options = remote(server).toBuilder().name("talker")
                    .output((worker, source, line) -> lines.add(worker + " " + source + " " + line)).build();
            Worker<Integer> w = Workers.start(WorkerType.REMOTE, () -> {
                System.out.println("to stdout");
                System.err.println("to stderr");
                return 1;
            }, options);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            await().atMost(Deadlines.SHORT).until(() -> lines.size() >= 2);
            assertThat(lines).contains("talker STDOUT to stdout", "talker STDERR to stderr");
        }
    }

    @Test
    void persistentRemoteWorkerAppliesItsFunctionToEachArgumentInOrder() throws Exception {
        try (WorkerServer server = WorkerServer.start(serverOptions())) {
            PersistentWorker<Integer, Integer> w = Workers.persistent(WorkerType.REMOTE, (Integer x) -> x * x,
                    remote(server));
            for (int i = 1; i <= 20; i++) {
                w.enqueue(i);
            }
            List<Integer> got = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                got.add(w.nextResult(Deadlines.LONG));
            }
            w.close();
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(got).startsWith(1, 4, 9).endsWith(400).hasSize(20);
            assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
            assertThat(w.result()).isEqualTo(20L);
        }
    }

    @Test
    void aPoolMixesLocalAndRemoteWorkersBehindOneApi() throws Exception {
        try (WorkerServer server = WorkerServer.start(serverOptions())) {
            WorkerOptions local = WorkerOptions.builder().output(OutputHandler.discard()).build();
            WorkerOptions remote = remote(server);
            PoolOptions options = PoolOptions.builder().minWorkers(2).maxWorkers(2)
                    .workerTypes(WorkerType.PROCESS, WorkerType.REMOTE)
                    .workerOptions(i -> i % 2 == 0 ? local : remote).build();
            try (Pool pool = Pool.create(options)) {
                List<TaskHandle<String>> handles = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    int n = i;
                    handles.add(pool.submit(() -> {
                        Thread.sleep(5);
                        return n + "@" + System.getProperty("procpool.serialFilter", "local");
                    }));
                }
                List<String> results = new ArrayList<>();
                for (TaskHandle<String> h : handles) {
                    results.add(h.future().get(60, TimeUnit.SECONDS));
                }
                assertThat(results).hasSize(40).anyMatch(r -> r.endsWith("@local"))
                        .anyMatch(r -> r.contains("dev.procpool"));
            }
        }
    }
}
