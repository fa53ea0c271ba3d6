package dev.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.TaskState;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerDiedException;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.example.outside.OutsideTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A pool over a real redis-server and real node JVMs, killed and stopped with real signals. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class RedisPoolTest {
    /** Short enough that takeovers happen within a test, long enough for a loaded machine's heartbeats. */
    static final String[] FAST_TAKEOVER = {"--workers", "1", "--claim-idle-ms", "1500", "--heartbeat-ms", "200"};

    @TempDir
    Path dir;
    RedisServer redis;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        redis.close();
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    private NodeProcess node(String name, String... args) throws Exception {
        return closing(NodeProcess.start(dir, redis.url(), name, args));
    }

    private RedisPool pool(RedisPoolOptions.Builder b) throws Exception {
        return closing(RedisPool.connect(b.url(redis.url()).build()));
    }

    private String gate() {
        return dir.resolve("gate").toString();
    }

    private Path startLog() {
        return dir.resolve("starts.log");
    }

    /** The "label pid" lines tasks wrote when they started. */
    private List<String[]> starts() throws Exception {
        if (!Files.exists(startLog())) {
            return List.of();
        }
        return Files.readAllLines(startLog()).stream().map(l -> l.split(" ")).collect(Collectors.toList());
    }

    @Test
    void tasksRunOnNodesAndEveryOutcomeComesBack() throws Exception {
        NodeProcess a = node("a", "--workers", "2");
        NodeProcess b = node("b", "--workers", "2");
        RedisPool pool = pool(RedisPoolOptions.builder());

        List<RedisTask<Integer>> squares = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            squares.add(pool.submit(RTasks.square(i)));
        }
        RedisTask<Long> where = pool.submit(RTasks::nodePid);
        RedisTask<Object> throwing = pool.submit(() -> {
            throw new IllegalStateException("no such file: input-17.csv");
        });
        RedisTask<Object> slow = pool.submit(() -> {
            Thread.sleep(60_000);
            return "late";
        }, Duration.ofMillis(300));
        RedisTask<Object> exiting = pool.submit(() -> {
            Runtime.getRuntime().halt(3);
            return null;
        });

        for (int i = 0; i < 40; i++) {
            assertThat(squares.get(i).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(i * i);
        }
        assertThat(squares).extracting(RedisTask::taskId).doesNotHaveDuplicates();
        assertThat(where.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isIn(a.pid(), b.pid());
        assertThatThrownBy(() -> throwing.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("no such file: input-17.csv");
        assertThatThrownBy(() -> slow.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                .cause().isInstanceOf(TaskTimeoutException.class);
        assertThatThrownBy(() -> exiting.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                .cause().isInstanceOf(WorkerDiedException.class).hasMessageContaining("3");
        assertThat(pool.pending()).isZero();
    }

    @Test
    void aSigkilledNodesTaskRunsAgainOnAnotherNodeAndThePoolGoesOn() throws Exception {
        NodeProcess a = node("a", FAST_TAKEOVER);
        NodeProcess b = node("b", FAST_TAKEOVER);
        RedisPool pool = pool(RedisPoolOptions.builder());

        RedisTask<Long> t = pool.submit(RTasks.gated(startLog().toString(), "t", gate()));
        await().atMost(Deadlines.LONG).until(() -> starts().size() == 1);
        long first = Long.parseLong(starts().get(0)[1]);
        NodeProcess victim = first == a.pid() ? a : b;
        NodeProcess survivor = victim == a ? b : a;
        victim.sigkill();

        // the survivor takes the task over once its claim has been idle long enough, and runs it again
        await().atMost(Deadlines.LONG).until(() -> starts().size() == 2);
        Files.createFile(Path.of(gate()));
        assertThat(t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(survivor.pid());
        assertThat(Long.parseLong(starts().get(1)[1])).isEqualTo(survivor.pid());

        List<RedisTask<Integer>> more = pool.submitAll(List.of(RTasks.square(3), RTasks.square(4)), null);
        assertThat(more.get(0).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(9);
        assertThat(more.get(1).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(16);
    }

    @Test
    void aStoppedNodesTasksAreClaimedByOthersAndReportedOnce() throws Exception {
        NodeProcess a = node("a", "--workers", "2", "--prefetch", "0", "--claim-idle-ms", "1500", "--heartbeat-ms", "200");
        RedisPool pool = pool(RedisPoolOptions.builder());
        List<RedisTask<Long>> tasks = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            tasks.add(pool.submit(RTasks.gated(startLog().toString(), "t" + i, gate())));
        }
        await().atMost(Deadlines.LONG).until(() -> starts().size() == 2);
        a.signal("STOP");
        NodeProcess b = node("b", "--workers", "2", "--claim-idle-ms", "1500", "--heartbeat-ms", "200");

        await().atMost(Deadlines.LONG).until(() -> starts().size() == 4);
        assertThat(starts().subList(2, 4)).allSatisfy(s -> assertThat(Long.parseLong(s[1])).isEqualTo(b.pid()));
        Files.createFile(Path.of(gate()));
        for (RedisTask<Long> t : tasks) {
            assertThat(t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(b.pid());
        }
        // the stopped node wakes up, finds its claims gone and drops the tasks: no second outcome
        a.signal("CONT");
        await().atMost(Deadlines.LONG).until(() -> a.stderr().contains("was taken over by another node"));
        try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis("127.0.0.1", redis.port)) {
            assertThat(j.xpending("procpool:{procpool}:tasks", "nodes").getTotal()).isZero();
            assertThat(j.xlen("procpool:{procpool}:results")).isZero();
        }
        assertThat(pool.collect(10, Duration.ofMillis(300))).isEmpty();
        assertThat(pool.pending()).isZero();
    }

    @Test
    void aRestartedControllerCollectsResultsProducedWhileItWasAway() throws Exception {
        node("a", "--workers", "2");
        Map<String, Integer> expected = new java.util.HashMap<>();
        try (RedisPool first = RedisPool.connect(RedisPoolOptions.builder().url(redis.url()).build())) {
            for (int i = 0; i < 10; i++) {
                expected.put(first.submit(RTasks.squareAfter(gate(), i)).taskId(), i * i);
            }
            String g = gate();
            RedisTask<Object> failing = first.submit(() -> {
                RTasks.squareAfter(g, 0).call();
                throw new java.io.IOException("disk full");
            });
            expected.put(failing.taskId(), -1);
        } // gone before any result could reach it
        Files.createFile(Path.of(gate()));

        RedisPool second = pool(RedisPoolOptions.builder());
        List<RedisResult> got = new ArrayList<>();
        await().atMost(Deadlines.LONG).until(() -> {
            got.addAll(second.collect(100, Duration.ofMillis(200)));
            return got.size() >= expected.size();
        });
        assertThat(got).extracting(RedisResult::taskId).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (RedisResult r : got) {
            if (expected.get(r.taskId()) == -1) {
                assertThat(r.state()).isEqualTo(TaskState.FAILED);
                assertThat(r.error()).get(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
                        .isInstanceOf(java.io.IOException.class).hasMessage("disk full");
            } else {
                assertThat(r.state()).isEqualTo(TaskState.SUCCEEDED);
                assertThat(r.value()).isEqualTo(expected.get(r.taskId()));
                assertThat(r.node()).isEqualTo("a");
            }
        }
        // collected results are gone from Redis: a third controller finds nothing
        second.close();
        try (RedisPool third = RedisPool.connect(RedisPoolOptions.builder().url(redis.url()).build())) {
            assertThat(third.collect(100, Duration.ofMillis(300))).isEmpty();
        }
    }

    @Test
    void aTaskWhoseNodesKeepDyingIsDeadLettered() throws Exception {
        NodeProcess a = node("a", FAST_TAKEOVER);
        RedisPool pool = pool(RedisPoolOptions.builder().maxDeliveries(1));
        RedisTask<Long> t = pool.submit(RTasks.gated(startLog().toString(), "t", gate()));
        await().atMost(Deadlines.LONG).until(() -> starts().size() == 1);
        a.sigkill();
        node("b", FAST_TAKEOVER);

        assertThatThrownBy(() -> t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                .cause().isInstanceOf(DeadLetterException.class)
                .hasMessageContaining(t.taskId()).hasMessageContaining("delivered 1 times");
        assertThat(starts()).hasSize(1); // not run again
    }

    @Test
    void aLongTaskKeepsItsClaimAndRunsOnce() throws Exception {
        node("a", FAST_TAKEOVER);
        node("b", FAST_TAKEOVER);
        RedisPool pool = pool(RedisPoolOptions.builder());
        RedisTask<Long> t = pool.submit(RTasks.gated(startLog().toString(), "t", gate()));
        await().atMost(Deadlines.LONG).until(() -> starts().size() == 1);
        // for two claim-idle periods the claim is renewed: never idle past claimIdle, still its first delivery
        long started = System.nanoTime();
        try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis("127.0.0.1", redis.port)) {
            await().atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(100)).until(() -> {
                List<redis.clients.jedis.resps.StreamPendingEntry> pending = j.xpending("procpool:{procpool}:tasks",
                        "nodes", new redis.clients.jedis.params.XPendingParams().count(10));
                assertThat(pending).hasSize(1);
                assertThat(pending.get(0).getIdleTime()).isLessThan(1500);
                assertThat(pending.get(0).getDeliveredTimes()).isEqualTo(1);
                return System.nanoTime() - started > Duration.ofMillis(3000).toNanos();
            });
        }
        Files.createFile(Path.of(gate()));
        t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(starts()).hasSize(1);
    }

    @Test
    void aNodeAskedToStopWithSigtermFinishesItsTaskAndReportsItBeforeExiting() throws Exception {
        NodeProcess a = node("a", "--workers", "1");
        RedisPool pool = pool(RedisPoolOptions.builder());
        RedisTask<Long> t = pool.submit(RTasks.gated(startLog().toString(), "t", gate()));
        await().atMost(Deadlines.LONG).until(() -> starts().size() == 1);
        a.signal("TERM");
        await().atMost(Deadlines.LONG).until(() -> a.stderr().contains("stopping: 1 tasks held"));
        assertThat(a.process.isAlive()).isTrue();
        Files.createFile(Path.of(gate()));
        assertThat(t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(a.pid());
        assertThat(a.process.waitFor(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(a.process.exitValue()).isZero();
        assertThat(starts()).hasSize(1);
    }

    @Test
    void nodesAndTheControllerGoOnAfterRedisRestarts() throws Exception {
        node("a", "--workers", "1");
        RedisPool pool = pool(RedisPoolOptions.builder());
        assertThat(pool.submit(RTasks.square(2)).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4);

        redis.process.destroyForcibly().waitFor(); // SIGKILL; without persistence its streams and groups are gone
        redis = redis.restartOnSamePort(dir);

        assertThat(pool.submit(RTasks.square(3)).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(9);
    }

    @Test
    void aTaskOfAClassTheNodeDoesNotAllowFailsWithoutRunning() throws Exception {
        node("a", "--workers", "1");
        RedisPool pool = pool(RedisPoolOptions.builder());
        RedisTask<String> t = pool.submit(new OutsideTask());
        assertThatThrownBy(() -> t.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("cannot be read on node a")
                .hasMessageContaining("org.example.outside.OutsideTask");
    }

    @Test
    void aNodeThatAllowsTheClassRunsIt() throws Exception {
        node("a", "--workers", "1", "--allow", "org.example.outside.*");
        RedisPool pool = pool(RedisPoolOptions.builder());
        assertThat(pool.submit(new OutsideTask()).future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo("ran");
    }
}
