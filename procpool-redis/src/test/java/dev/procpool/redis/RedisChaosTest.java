package dev.procpool.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.Task;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * 20,000 tasks over three node JVMs while nodes are SIGKILLed and replaced: every task ends with
 * exactly one reported outcome, none is lost, and nothing is left in Redis.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class RedisChaosTest {
    static final int TASKS = 20_000;
    static final String[] NODE_ARGS = {"--workers", "2", "--prefetch", "64", "--claim-idle-ms", "1500",
        "--heartbeat-ms", "300"};

    @TempDir
    Path dir;

    @Test
    void everyTaskEndsOnceWhileNodesAreKilledAndRestarted() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        try (RedisServer redis = RedisServer.start(dir)) {
            try {
                for (int i = 0; i < 3; i++) {
                    nodes.add(NodeProcess.launch(dir, redis.url(), "n" + i, NODE_ARGS));
                }
                for (NodeProcess n : nodes) {
                    n.awaitReady();
                }
                try (RedisPool pool = RedisPool.connect(RedisPoolOptions.builder().url(redis.url())
                        .maxDeliveries(20).build())) {
                    List<Task<Integer>> tasks = new ArrayList<>(TASKS);
                    for (int i = 0; i < TASKS; i++) {
                        tasks.add(RTasks.square(i));
                    }
                    AtomicInteger outcomes = new AtomicInteger();
                    ConcurrentHashMap<String, Integer> byTask = new ConcurrentHashMap<>();
                    List<RedisTask<Integer>> handles = pool.submitAll(tasks, null);
                    for (RedisTask<Integer> h : handles) {
                        h.future().whenComplete((v, e) -> {
                            outcomes.incrementAndGet();
                            byTask.merge(h.taskId(), 1, Integer::sum);
                        });
                    }

                    // kill a node (SIGKILL, mid-task) at three points of progress, and start a new one in its place
                    int round = 0;
                    List<NodeProcess> killed = new ArrayList<>();
                    for (double at : new double[] {0.15, 0.4, 0.65}) {
                        int threshold = (int) (TASKS * at);
                        await().atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(5))
                                .until(() -> outcomes.get() >= threshold);
                        NodeProcess victim = nodes.remove(round % nodes.size());
                        victim.sigkill();
                        killed.add(victim);
                        nodes.add(NodeProcess.launch(dir, redis.url(), "r" + round, NODE_ARGS));
                        round++;
                    }
                    await().atMost(Deadlines.LONG).pollInterval(Duration.ofMillis(20))
                            .until(() -> outcomes.get() >= TASKS);

                    for (int i = 0; i < TASKS; i++) {
                        assertThat(handles.get(i).future().join()).isEqualTo(i * i);
                    }
                    assertThat(outcomes.get()).isEqualTo(TASKS);
                    assertThat(byTask).hasSize(TASKS).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
                    assertThat(pool.pending()).isZero();
                    // the killed nodes held tasks (prefetched or running) that the others took over
                    assertThat(nodes).anySatisfy(n -> assertThat(n.stderr()).contains("took over entry"));
                    // no second outcome is waiting anywhere: nothing to collect, nothing pending in Redis
                    assertThat(pool.collect(10, Duration.ofMillis(300))).isEmpty();
                    try (Jedis j = new Jedis("127.0.0.1", redis.port)) {
                        assertThat(j.xlen("procpool:{procpool}:tasks")).isZero();
                        assertThat(j.xpending("procpool:{procpool}:tasks", "nodes").getTotal()).isZero();
                    }
                }
            } finally {
                for (NodeProcess n : nodes) {
                    n.close();
                }
            }
        }
    }
}
