package demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.Task;
import dev.procpool.redis.RedisPool;
import dev.procpool.redis.RedisPoolOptions;
import dev.procpool.redis.RedisTask;
import dev.procpool.testing.Deadlines;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol.Command;

/**
 * A user's own classes (package {@code demo.shop}, in a jar on no classpath of the test) on Redis
 * nodes: given with {@code --classpath}, allowed with {@code --allow}; the refusals on the node and
 * on the controller; controllers sharing a namespace; a dead node leaving the consumer group.
 */
@Tag("jvm")
class RedisUserClassesTest {
    @TempDir
    static Path dir;
    static Path appJar;

    @BeforeAll
    static void compileTheApplication() throws Exception {
        appJar = UserCode.jar(dir, "shop", Map.of(
                "demo.shop.Square", """
                        package demo.shop;
                        public class Square implements dev.procpool.Task<Integer> {
                            private final int n;
                            public Square(int n) { this.n = n; }
                            public Integer call() { return n * n; }
                        }
                        """,
                "demo.shop.Receipt", """
                        package demo.shop;
                        public record Receipt(String item, int cents) implements java.io.Serializable {
                        }
                        """,
                "demo.shop.Checkout", """
                        package demo.shop;
                        public class Checkout implements dev.procpool.Task<Object> {
                            private final int sleepMs;
                            public Checkout(int sleepMs) { this.sleepMs = sleepMs; }
                            public Object call() throws Exception {
                                Thread.sleep(sleepMs);
                                return new Receipt("tea", 350);
                            }
                        }
                        """));
    }

    /** A pool that reads results with the application's classes, as the application's own code would. */
    static RedisPool pool(URLClassLoader app, RedisPoolOptions options) throws Exception {
        return withLoader(app, () -> RedisPool.connect(options));
    }

    static <T> T withLoader(ClassLoader loader, Callable<T> work) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            return work.call();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    static <R> R result(RedisTask<R> task) throws Exception {
        return task.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aNodeRunsTheUsersClassesFromItsClasspathAndEveryRefusalSaysWhatAdmitsTheClass() throws Exception {
        try (RedisProcesses redis = new RedisProcesses(dir); URLClassLoader app = UserCode.loader(appJar)) {
            Process shop = redis.launch("shop-node", "--namespace", "shop", "--classpath", appJar.toString(), "--allow",
                    "demo.shop.*");
            Process strict = redis.launch("strict-node", "--namespace", "strict", "--classpath", appJar.toString());
            Process bare = redis.launch("bare-node", "--namespace", "bare", "--allow", "demo.shop.*");
            redis.awaitReady("shop-node", shop);
            redis.awaitReady("strict-node", strict);
            redis.awaitReady("bare-node", bare);
            RedisPoolOptions.Builder base = RedisPoolOptions.builder().url(redis.url());

            try (RedisPool pool = pool(app, base.namespace("shop").allowClasses("demo.shop.*").build())) {
                Task<Integer> square = UserCode.instance(app, "demo.shop.Square", 7);
                assertThat(result(pool.submit(square))).isEqualTo(49);
                Task<Object> checkout = UserCode.instance(app, "demo.shop.Checkout", 0);
                assertThat(result(pool.submit(checkout))).hasToString("Receipt[item=tea, cents=350]");
            }
            // the controller's allow-list: the result's class is not on it
            try (RedisPool pool = pool(app, RedisPoolOptions.builder().url(redis.url()).namespace("shop").build())) {
                Task<Object> checkout = UserCode.instance(app, "demo.shop.Checkout", 0);
                assertThatThrownBy(() -> result(pool.submit(checkout))).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("class demo.shop.Receipt is not on the allow-list of this Redis controller")
                        .hasMessageContaining("RedisPoolOptions.builder().allowClasses(\"demo.shop.*\")");
            }
            // the node's allow-list
            try (RedisPool pool = pool(app, RedisPoolOptions.builder().url(redis.url()).namespace("strict").build())) {
                Task<Integer> square = UserCode.instance(app, "demo.shop.Square", 3);
                assertThatThrownBy(() -> result(pool.submit(square))).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("class demo.shop.Square is not on the allow-list of this Redis node")
                        .hasMessageContaining("--allow 'demo.shop.*'");
            }
            // the node's classpath
            try (RedisPool pool = pool(app, RedisPoolOptions.builder().url(redis.url()).namespace("bare").build())) {
                Task<Integer> square = UserCode.instance(app, "demo.shop.Square", 3);
                assertThatThrownBy(() -> result(pool.submit(square))).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("class demo.shop.Square is not on this Redis node's classpath")
                        .hasMessageContaining("--classpath");
            }
        }
    }

    @Test
    void controllersSharingANamespaceEachCollectOnlyTheirOwnResults() throws Exception {
        try (RedisProcesses redis = new RedisProcesses(dir); URLClassLoader app = UserCode.loader(appJar)) {
            redis.node("shared-node", "--namespace", "shared", "--classpath", appJar.toString(), "--allow", "demo.shop.*");
            RedisPoolOptions.Builder b = RedisPoolOptions.builder().url(redis.url()).namespace("shared");
            try (RedisPool alpha = pool(app, b.controller("alpha").build());
                    RedisPool beta = pool(app, b.controller("beta").build())) {
                List<RedisTask<Integer>> mine = new ArrayList<>();
                List<RedisTask<Integer>> theirs = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    mine.add(alpha.submit(UserCode.<Task<Integer>>instance(app, "demo.shop.Square", i)));
                    theirs.add(beta.submit(UserCode.<Task<Integer>>instance(app, "demo.shop.Square", 100 + i)));
                }
                for (int i = 0; i < 20; i++) {
                    assertThat(result(mine.get(i))).isEqualTo(i * i);
                    assertThat(result(theirs.get(i))).isEqualTo((100 + i) * (100 + i));
                }
                assertThat(alpha.collect(100, java.time.Duration.ofMillis(300))).as("foreign results seen by alpha")
                        .isEmpty();
                assertThat(beta.collect(100, java.time.Duration.ofMillis(300))).as("foreign results seen by beta")
                        .isEmpty();
            }
        }
    }

    /** The consumers of the namespace's node group, with the number of entries each holds. */
    static Map<String, Long> consumers(int port, String namespace) {
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            Map<String, Long> pending = new java.util.TreeMap<>();
            for (Object c : (List<?>) j.sendCommand(Command.XINFO, "CONSUMERS", "procpool:{" + namespace + "}:tasks",
                    "nodes")) {
                List<?> fields = (List<?>) c;
                String name = null;
                long n = -1;
                for (int i = 0; i < fields.size(); i += 2) {
                    String key = new String((byte[]) fields.get(i), StandardCharsets.UTF_8);
                    if (key.equals("name")) {
                        name = new String((byte[]) fields.get(i + 1), StandardCharsets.UTF_8);
                    } else if (key.equals("pending")) {
                        n = (Long) fields.get(i + 1);
                    }
                }
                pending.put(name, n);
            }
            return pending;
        }
    }

    @Test
    void aDeadNodeLeavesTheConsumerGroupOnceItsTasksAreClaimed() throws Exception {
        try (RedisProcesses redis = new RedisProcesses(dir); URLClassLoader app = UserCode.loader(appJar)) {
            String[] common = {"--namespace", "dying", "--classpath", appJar.toString(), "--allow", "demo.shop.*",
                "--claim-idle-ms", "1000", "--heartbeat-ms", "200"};
            Process doomed = redis.node("doomed", common);
            try (RedisPool pool = pool(app, RedisPoolOptions.builder().url(redis.url()).namespace("dying")
                    .allowClasses("demo.shop.*").build())) {
                RedisTask<Object> task = pool.submit(UserCode.<Task<Object>>instance(app, "demo.shop.Checkout", 3000));
                await().atMost(Deadlines.SHORT).until(() -> consumers(redis.port, "dying").get("doomed") == Long.valueOf(1));
                redis.node("survivor", common);
                doomed.destroyForcibly().waitFor(); // SIGKILL while it holds the task
                assertThat(withLoader(app, () -> result(task))).hasToString("Receipt[item=tea, cents=350]");
                await().atMost(Deadlines.SHORT).untilAsserted(() ->
                        assertThat(consumers(redis.port, "dying")).containsOnlyKeys("survivor"));
            }
        }
    }
}
