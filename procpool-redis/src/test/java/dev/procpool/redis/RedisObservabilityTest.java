package dev.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.status.TaskFailure;
import dev.procpool.WorkerOptions;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.WorkerStatus;
import dev.procpool.testing.Deadlines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's status() and its procpool.RedisClaim event when it takes over a dead node's task; the
 * controller's status() from what Redis and its results tell.
 */
@Tag("jvm")
class RedisObservabilityTest {
    @TempDir
    Path dir;
    private RedisServer redis;

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterEach
    void stopRedis() throws Exception {
        redis.close();
    }

    @Test
    void aNodeThatTakesOverADeadNodesTaskEmitsAClaimEventAndShowsTheTaskInItsStatus() throws Exception {
        Path gate = dir.resolve("gate");
        Path starts = dir.resolve("starts.log");
        Path rec = dir.resolve("rec.jfr");
        try (NodeProcess victim = NodeProcess.start(dir, redis.url(), "victim", RedisPoolTest.FAST_TAKEOVER);
             RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url(redis.url()).build())) {
            RedisTask<Long> t = pool.submit(RTasks.gated(starts.toString(), "t", gate.toString()));
            await().atMost(Deadlines.LONG).until(() -> Files.exists(starts) && Files.readAllLines(starts).size() == 1);
            try (Recording recording = new Recording()) {
                recording.enable("procpool.RedisClaim");
                recording.start();
                try (RedisNode node = RedisNode.start(RedisNodeOptions.builder().url(redis.url()).name("survivor").workers(1)
                        .claimIdle(Duration.ofMillis(1500)).heartbeat(Duration.ofMillis(200))
                        .workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build()).build())) {
                    victim.sigkill();
                    await().atMost(Deadlines.LONG).until(() -> Files.readAllLines(starts).size() == 2);
                    await().atMost(Deadlines.SHORT).until(() -> node.status().workers().stream()
                            .anyMatch(w -> w.state() == WorkerStatus.State.BUSY));
                    PoolStatus s = node.status();
                    assertThat(s.name()).isEqualTo("survivor");
                    assertThat(s.kind()).isEqualTo("redis");
                    assertThat(s.workers()).filteredOn(w -> w.state() == WorkerStatus.State.BUSY).singleElement()
                            .satisfies(w -> assertThat(w.currentTaskAge()).isPresent());
                    Files.createFile(gate);
                    assertThat(t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isPositive();
                }
                recording.stop();
                recording.dump(rec);
            }
        }
        List<RecordedEvent> claims = RecordingFile.readAllEvents(rec).stream()
                .filter(e -> e.getEventType().getName().equals("procpool.RedisClaim")).collect(Collectors.toList());
        assertThat(claims).singleElement().satisfies(e -> {
            assertThat(e.getString("node")).isEqualTo("survivor");
            assertThat(e.getInt("deliveries")).isEqualTo(2);
            assertThat(e.getString("entryId")).contains("-");
        });
    }

    @Test
    void theControllersStatusShowsTasksWaitingOnTheStreamTakenByANodeAndHowTheyEnded() throws Exception {
        Path gate = dir.resolve("gate");
        Path starts = dir.resolve("starts.log");
        try (RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url(redis.url()).namespace("batch").build())) {
            RedisTask<Long> gated = pool.submit(RTasks.gated(starts.toString(), "g", gate.toString()));
            List<RedisTask<Integer>> squares = List.of(pool.submit(RTasks.square(2)), pool.submit(RTasks.square(3)));
            RedisTask<Object> throwing = pool.submit(() -> {
                throw new IllegalStateException("no such file: input-17.csv");
            });
            PoolStatus before = pool.status();
            assertThat(before.name()).isEqualTo("batch");
            assertThat(before.kind()).isEqualTo("redis-controller");
            assertThat(before.queued()).isEqualTo(4);
            assertThat(before.totals().running()).isZero();
            assertThat(before.totals().submitted()).isEqualTo(4);
            assertThat(before.workers()).isEmpty();

            try (RedisNode node = RedisNode.start(RedisNodeOptions.builder().url(redis.url()).namespace("batch").name("n1")
                    .workers(1).workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build()).build())) {
                await().atMost(Deadlines.LONG).until(() -> Files.exists(starts));
                PoolStatus busy = pool.status();
                assertThat(busy.totals().running()).isPositive();
                assertThat(busy.queued() + busy.totals().running()).isEqualTo(4);
                Files.createFile(gate);
                assertThat(gated.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isPositive();
                for (RedisTask<Integer> t : squares) {
                    t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
                }
                await().atMost(Deadlines.LONG).until(() -> throwing.future().isDone());
            }
            await().atMost(Deadlines.SHORT).until(() -> pool.status().totals().running() == 0);
            PoolStatus after = pool.status();
            assertThat(after.queued()).isZero();
            assertThat(after.totals().completed()).isEqualTo(3);
            assertThat(after.totals().failed()).isEqualTo(1);
            assertThat(after.throughput().stream().mapToInt(Integer::intValue).sum()).isEqualTo(4);
            assertThat(after.recentFailures()).singleElement().satisfies(f -> {
                assertThat(f.outcome()).isEqualTo(dev.procpool.TaskState.FAILED);
                assertThat(f.summary()).startsWith("task " + throwing.taskId() + ": ")
                        .contains("IllegalStateException: no such file: input-17.csv");
                assertThat(f.stackTrace()).contains("IllegalStateException");
            });
            assertThat(after.recentFailures()).extracting(TaskFailure::taskId).containsExactly(4L);
        }
    }
}
