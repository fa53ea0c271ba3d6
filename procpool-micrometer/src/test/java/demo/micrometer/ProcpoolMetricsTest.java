package demo.micrometer;

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
import dev.procpool.micrometer.ProcpoolMetrics;
import dev.procpool.testing.Deadlines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("jvm")
class ProcpoolMetricsTest {

    static Task<String> waitFor(Path gate) {
        String path = gate.toString();
        return () -> {
            while (!Files.exists(Path.of(path))) {
                Thread.sleep(5);
            }
            return "released";
        };
    }

    @Test
    void aPoolsCountersTimeoutsRetriesDeathsAndMemoryReachTheRegistry(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Pool pool = Pool.create(PoolOptions.builder().name("metered").maxWorkers(2).workerTypes(WorkerType.PROCESS)
                .workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build()).grace(Duration.ofMillis(200))
                .build())) {
            ProcpoolMetrics.monitor(registry, pool, "app", "test");
            TaskHandle<Integer> ok = pool.submit(() -> 6 * 7);
            TaskHandle<Object> bad = pool.submit(() -> {
                throw new IllegalStateException("no");
            });
            TaskHandle<String> hung = pool.submit(waitFor(dir.resolve("never")),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(400)).retriesOnTimeout(1).build());
            assertThat(ok.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
            await().atMost(Deadlines.LONG).until(() -> hung.state() == TaskState.TIMED_OUT && bad.state().isTerminal());
            TaskHandle<String> stuck = pool.submit(waitFor(dir.resolve("gate")));
            await().atMost(Deadlines.LONG).until(() -> registry.get("executor.active").tag("name", "metered").gauge().value() == 1);

            await().atMost(Deadlines.SHORT).untilAsserted(() -> {
                assertThat(registry.get("executor.completed").tags("name", "metered", "app", "test").functionCounter().count())
                        .isEqualTo(3);
                assertThat(registry.get("procpool.tasks.ended").tag("outcome", "failed").functionCounter().count()).isEqualTo(1);
                assertThat(registry.get("procpool.tasks.timeouts").functionCounter().count()).isEqualTo(1);
                assertThat(registry.get("procpool.tasks.retries").functionCounter().count()).isEqualTo(1);
                assertThat(registry.get("procpool.workers.deaths").functionCounter().count()).isEqualTo(2);
                assertThat(registry.get("procpool.tasks.submitted").functionCounter().count()).isEqualTo(4);
                assertThat(registry.get("executor.queued").gauge().value()).isZero();
                assertThat(registry.get("procpool.workers.busy").gauge().value()).isEqualTo(1);
                assertThat(registry.get("executor.pool.size").gauge().value()).isBetween(1.0, 2.0);
                // child JVMs hold tens of MiB each
                assertThat(registry.get("procpool.workers.rss").gauge().value()).isGreaterThan(10 << 20);
                assertThat(registry.get("procpool.workers.rss.max").gauge().value()).isGreaterThan(10 << 20)
                        .isLessThanOrEqualTo(registry.get("procpool.workers.rss").gauge().value());
            });
            Files.createFile(dir.resolve("gate"));
            assertThat(stuck.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo("released");
        }
    }
}
