package demo;

import dev.procpool.Token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.Task;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskNotSerializableException;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.RemoteOptions;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import dev.procpool.testing.Deadlines;
import dev.procpool.testing.Misbehave;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own classes (package {@code demo}, which no default allow-list admits) on REMOTE
 * workers: through the server's classpath, and every refusal by an allow-list, which must name the
 * class and the option that admits it.
 */
@Tag("jvm")
class RemoteUserClassesTest {
    static final Token TOKEN = Token.of("demo-token-0123456789abcdef");

    @TempDir
    static Path dir;
    static Path appJar;

    @BeforeAll
    static void compileTheApplication() throws Exception {
        appJar = UserCode.jar(dir, "shop", Map.of(
                "demo.shop.PriceTask", """
                        package demo.shop;
                        public class PriceTask implements dev.procpool.Task<String> {
                            public String call() {
                                return "price 42 from " + getClass().getName() + " loaded by "
                                        + getClass().getClassLoader().getName();
                            }
                        }
                        """));
    }

    static WorkerServerOptions.Builder serverOptions(List<String> log) {
        return WorkerServerOptions.builder().token(TOKEN).output(OutputHandler.discard()).log(log::add);
    }

    static WorkerOptions remote(WorkerServer server, RemoteOptions.Builder tweak) {
        return WorkerOptions.builder().output(OutputHandler.discard()).remote(tweak.build()).build();
    }

    @Test
    void aServerWithTheUsersClasspathRunsTheUsersClassWithoutRemoteClassLoading() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        // a child JVM server (the command line's --classpath arrives the same way)
        try (WorkerServer server = WorkerServer.spawn(serverOptions(log).classpath(appJar.toString()).build());
                var app = UserCode.loader(appJar)) {
            Task<String> task = UserCode.instance(app, "demo.shop.PriceTask");
            Worker<String> w = Workers.start(WorkerType.REMOTE, task, remote(server,
                    server.remoteOptions().remoteClassLoading(false).allowClasses("demo.shop.*")));
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).as("found by the worker's system class loader: the server's classpath")
                    .isEqualTo("price 42 from demo.shop.PriceTask loaded by app");
        }
    }

    @Test
    void withoutTheClasspathTheWorkerNamesTheMissingClassAndTheServerOption() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (WorkerServer server = WorkerServer.start(serverOptions(log).build()); var app = UserCode.loader(appJar)) {
            Task<String> task = UserCode.instance(app, "demo.shop.PriceTask");
            Worker<String> w = Workers.start(WorkerType.REMOTE, task, remote(server,
                    server.remoteOptions().remoteClassLoading(false).allowClasses("demo.shop.*")));
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.error()).get().asString()
                    .contains("class demo.shop.PriceTask is not on this worker-server's classpath")
                    .contains("--classpath");
        }
    }

    @Test
    void everyRefusalNamesTheClassAndTheOptionThatAdmitsIt() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        String admit = "allowClasses(\"demo.*\") on the controller";
        try (WorkerServer server = WorkerServer.start(serverOptions(log).build())) {
            WorkerOptions strict = remote(server, server.remoteOptions());

            // one-shot: the lambda's capturing class is this test's
            Worker<String> oneShot = Workers.start(WorkerType.REMOTE, () -> "never", strict);
            assertThat(oneShot.await(Deadlines.LONG)).isTrue();
            assertThat(oneShot.state()).isEqualTo(WorkerState.FAILED);
            assertThat(oneShot.error()).get().asString()
                    .contains("class demo.RemoteUserClassesTest is not on the allow-list of this remote worker")
                    .contains(admit);

            // persistent: a function, then an argument of a class outside the list
            PersistentWorker<Object, String> persistent = Workers.persistent(WorkerType.REMOTE,
                    (Object o) -> "read " + o, strict);
            persistent.enqueue("x");
            assertThatThrownBy(() -> persistent.nextResult(Deadlines.LONG))
                    .hasMessageContaining("class demo.RemoteUserClassesTest is not on the allow-list of this remote worker")
                    .hasMessageContaining(admit);
            persistent.close();
            persistent.await(Deadlines.LONG);

            // pool: submit and map
            try (Pool pool = Pool.create(PoolOptions.builder().workerTypes(WorkerType.REMOTE).maxWorkers(1)
                    .workerOptions(strict).build())) {
                assertThatThrownBy(() -> pool.submit(() -> "never").future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS))
                        .hasMessageContaining("class demo.RemoteUserClassesTest is not on the allow-list of this remote worker")
                        .hasMessageContaining(admit);
                assertThatThrownBy(() -> pool.map((Integer i) -> i + 1, List.of(1, 2)))
                        .hasMessageContaining("class demo.RemoteUserClassesTest is not on the allow-list of this remote worker")
                        .hasMessageContaining(admit);
            }

            // the controller reading a result: the task's package is allowed, its result's is not
            Worker<Object> result = Workers.start(WorkerType.REMOTE, new ReturnsAValue(),
                    remote(server, server.remoteOptions().allowClasses("demo.RemoteUserClassesTest$ReturnsAValue")));
            assertThat(result.await(Deadlines.LONG)).isTrue();
            assertThatThrownBy(result::result).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(TaskNotSerializableException.class)
                    .hasMessageContaining("class demo.Value is not on the allow-list of this controller")
                    .hasMessageContaining("RemoteOptions.builder(...).allowClasses(\"demo.*\")");
            assertThat(result.error()).get().isInstanceOfSatisfying(TaskNotSerializableException.class,
                    e -> assertThat(e.offendingClass()).isEqualTo("demo.Value"));

            // and with the package allowed, the same work runs
            Worker<String> allowed = Workers.start(WorkerType.REMOTE, () -> "ran",
                    remote(server, server.remoteOptions().allowClasses("demo.*")));
            assertThat(allowed.await(Deadlines.LONG)).isTrue();
            assertThat(allowed.result()).isEqualTo("ran");
        }
    }

    /** A task allowed by its exact name whose result is of another class of the package. */
    static final class ReturnsAValue implements Task<Object> {
        private static final long serialVersionUID = 1L;

        @Override
        public Object call() {
            return new Value(7);
        }
    }

    @Test
    void aRemoteWorkersJvmCrashIsExplainedFromItsCrashReport() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (WorkerServer server = WorkerServer.start(serverOptions(log).build())) {
            WorkerOptions options = remote(server, server.remoteOptions()).toBuilder()
                    .jvmArgs("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"), "-XX:-CreateCoredumpOnCrash").build();
            Worker<Object> w = Workers.start(WorkerType.REMOTE, Misbehave.crashTheJvm(), options);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.state()).isEqualTo(WorkerState.DIED);
            assertThat(w.error()).get().asString().contains("the JVM crashed (SIGSEGV").contains("hs_err_");
        }
    }
}
