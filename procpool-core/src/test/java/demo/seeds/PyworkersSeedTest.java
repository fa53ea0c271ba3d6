package demo.seeds;

// tag::imports[]
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.PooledWorker;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskHandle;
import dev.procpool.Token;
import dev.procpool.Worker;
import dev.procpool.WorkerContext;
import dev.procpool.WorkerDiedException;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerTerminatedException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.RemoteContext;
import dev.procpool.remote.RemoteOptions;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
// end::imports[]
import dev.procpool.testing.LeakCheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README examples of pyworkers, written with procpool. Each tagged region is shown verbatim in
 * {@code docs/seeds.md} (checked by {@link SeedDocSyncTest}).
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class PyworkersSeedTest {

    // tag::conventions[]
    /** The longest an example waits for anything: an upper bound, never a sleep (your code picks its own). */
    static final Duration LONG = Duration.ofMinutes(1);
    /** Worker options that drop the children's output (by default printed with a [name] prefix). */
    static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();

    /** Python's range(from, to) as a list. */
    static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().collect(Collectors.toList());
    }
    // end::conventions[]

    // tag::functions[]
    static int foo(int x) {
        return x * x;
    }

    static int suicide(int x) {
        throw new RuntimeException("How is one supposed to live on this miserable world where x = " + x + "?");
    }
    // end::functions[]

    // tag::workerFunctions[]
    /** The pool's function: foo(x), with the index of the worker that computed it. */
    static String fooOnWorker(int x) {
        return "#" + WorkerContext.poolIndex().orElse(-1) + " foo(" + x + ") = " + foo(x);
    }

    /** One worker's own function (e.g. a variant for a GPU only it has): same argument, same result type. */
    static String fooOnGpu(int x) {
        return "#" + WorkerContext.poolIndex().orElse(-1) + " gpu(" + x + ") = " + foo(x);
    }
    // end::workerFunctions[]

    // tag::workers[]
    @Test
    void threadAndProcessWorkers() throws Exception {
        // tw = ThreadWorker(target=foo, args=(1,)); pw = ProcessWorker(target=foo, args=(2,))
        try (Worker<Integer> tw = Workers.start(WorkerType.THREAD, () -> foo(1), QUIET);
                Worker<Integer> pw = Workers.start(WorkerType.PROCESS, () -> foo(2), QUIET)) {
            // no start(): a worker runs as soon as it exists, so its pid is valid at once
            assertThat(pw.pid()).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(tw.pid()).isEqualTo(ProcessHandle.current().pid());

            tw.await(LONG);
            pw.await(LONG);
            assertThat(tw.result() + ", " + pw.result()).isEqualTo("1, 4");
        }

        // server = spawn_server(('127.0.0.1', 60006)); rw = RemoteWorker(target=foo, args=(3,), host=...)
        // The token: Token.fromFile(...) in real use; a random one serves a server this program starts.
        try (WorkerServer server = WorkerServer.spawn(WorkerServerOptions.builder().token(Token.random()).build());
                Worker<Integer> rw = Workers.start(WorkerType.REMOTE, () -> foo(3), QUIET.toBuilder()
                        .remote(server.remoteOptions()   // the server's address and token
                                // a server deserializes only allowed classes: add this class's package
                                .allowClasses(getClass().getPackageName() + ".**")
                                .build())
                        .build())) {
            rw.await(LONG);
            assertThat(rw.result()).isEqualTo(9);
            assertThat(rw.pid()).isNotEqualTo(server.pid().getAsLong()); // a worker JVM the server started
        } // server.terminate(): stops the server and every worker it runs
    }
    // end::workers[]

    // tag::uniformApi[]
    @Test
    void uniformApi() throws Exception {
        for (WorkerType type : List.of(WorkerType.THREAD, WorkerType.PROCESS)) {
            try (Worker<Integer> worker = Workers.start(type, () -> foo(7), QUIET.toBuilder().name("w-" + type).build())) {
                // the same methods whatever the kind: id, name, type, host, pid, threadId (tid), isAlive, ...
                assertThat(worker.id()).isPositive();
                assertThat(worker.name()).isEqualTo("w-" + type);
                assertThat(worker.type()).isEqualTo(type);
                assertThat(worker.host()).isNotBlank();
                assertThat(worker.pid()).isPositive();
                assertThat(worker.await(LONG)).isTrue();      // wait()
                assertThat(worker.isAlive()).isFalse();
                assertThat(worker.threadId()).isPresent();
                assertThat(worker.state()).isEqualTo(WorkerState.COMPLETED);
                assertThat(worker.result()).isEqualTo(49);
            }
        }
    }
    // end::uniformApi[]

    // tag::factory[]
    @Test
    void workerTypeFactory() throws Exception {
        // for wtype, x in zip(WorkerType, range(1, 4)): Worker.create(wtype, target=foo, args=(x,))
        List<Worker<Integer>> workers = new ArrayList<>();
        // a server in this JVM (pyworkers: RemoteServer run programmatically); its workers are processes
        try (WorkerServer server = WorkerServer.start(WorkerServerOptions.builder().token(Token.random()).build())) {
            // host=('127.0.0.1', port) for REMOTE; local kinds ignore it
            WorkerOptions options = QUIET.toBuilder()
                    .remote(server.remoteOptions().allowClasses(getClass().getPackageName() + ".**").build())
                    .build();
            int x = 1;
            for (WorkerType type : WorkerType.values()) {
                int arg = x++;
                workers.add(Workers.start(type, () -> foo(arg), options));
            }

            List<Integer> results = new ArrayList<>();
            for (Worker<Integer> worker : workers) {
                worker.await(LONG);
                results.add(worker.result());
            }
            assertThat(results).hasToString("[1, 4, 9]");
        } finally {
            workers.forEach(Worker::close);
        }
    }
    // end::factory[]

    // tag::errors[]
    @Test
    void handlingErrors() throws Exception {
        try (Worker<Integer> pw = Workers.start(WorkerType.PROCESS, () -> suicide(2), QUIET)) {
            pw.await(LONG);

            // print(pw.result) -> None: result() throws instead, with the task's exception as its cause
            assertThatThrownBy(pw::result).isInstanceOf(TaskFailedException.class)
                    .hasCauseInstanceOf(RuntimeException.class);
            // print(pw.has_error) -> True
            assertThat(pw.hasError()).isTrue();
            // print(pw.error) -> How is one supposed to live on this miserable world where x = 2?
            Throwable error = pw.error().orElseThrow();
            assertThat(error).isExactlyInstanceOf(RuntimeException.class)
                    .hasMessage("How is one supposed to live on this miserable world where x = 2?");
            // <Exception reported from the child process>: its stack trace is the child's
            assertThat(error.getStackTrace()).anyMatch(frame -> frame.getMethodName().equals("suicide"));
        }
    }
    // end::errors[]

    // tag::sigkill[]
    @Test
    void killedWorkerHasErrorEvenWithoutException() throws Exception {
        try (Worker<Integer> pw = Workers.start(WorkerType.PROCESS, () -> {
            Thread.sleep(Long.MAX_VALUE);
            return 0;
        }, QUIET)) {
            await().atMost(LONG).until(() -> pw.state() == WorkerState.RUNNING);
            ProcessHandle.of(pw.pid()).orElseThrow().destroyForcibly();       // SIGKILL from outside
            pw.await(LONG);

            assertThat(pw.hasError()).isTrue();
            assertThat(pw.state()).isEqualTo(WorkerState.DIED);
            // unlike pyworkers, error() is not empty: it says how the worker died
            assertThat(pw.error()).get().isInstanceOfSatisfying(WorkerDiedException.class,
                    died -> assertThat(died.signal()).hasValue("SIGKILL"));
        }
    }
    // end::sigkill[]

    // tag::releaseOnTerminate[]
    /** Waits until stopped; an interrupt (pyworkers: WorkerTerminateError) lets it clean up first. */
    static String releaseOnTerminate() throws InterruptedException {
        try {
            Thread.sleep(Long.MAX_VALUE);
            return "finished";
        } catch (InterruptedException e) {
            // release what the task holds here, then end
            throw new InterruptedException("released my resources");
        }
    }
    // end::releaseOnTerminate[]

    // tag::terminate[]
    @Test
    void gracefulTermination() throws Exception {
        for (WorkerType type : List.of(WorkerType.THREAD, WorkerType.PROCESS)) {
            try (Worker<String> worker = Workers.start(type, () -> releaseOnTerminate(), QUIET)) {
                await().atMost(LONG).until(() -> worker.threadId().isPresent());

                // terminate(timeout): interrupt the task; if it still runs after the grace, SIGTERM
                // (a process), then SIGKILL after another grace. Returns once the worker has ended.
                worker.terminate(Duration.ofSeconds(5));
                assertThat(worker.state()).isEqualTo(WorkerState.TERMINATED);
                assertThat(worker.hasError()).isTrue();
                assertThat(worker.error()).get().isInstanceOf(WorkerTerminatedException.class);
                assertThat(worker.error().orElseThrow().getCause())
                        .isInstanceOf(InterruptedException.class).hasMessage("released my resources");
            }
        }
    }
    // end::terminate[]

    // tag::persistent[]
    @Test
    void persistentWorkers() throws Exception {
        // for wtype in WorkerType: PersistentWorker.create(wtype, target=foo)
        List<PersistentWorker<Integer, Integer>> workers = new ArrayList<>();
        try {
            for (WorkerType type : List.of(WorkerType.THREAD, WorkerType.PROCESS)) {   // REMOTE: as in the factory example
                workers.add(Workers.persistent(type, (Integer x) -> foo(x), QUIET));
            }
            // for worker, x in zip(itertools.cycle(workers), range(10)): worker.enqueue(x)
            for (int x = 0; x < 10; x++) {
                workers.get(x % workers.size()).enqueue(x);
            }

            List<String> printed = new ArrayList<>();
            for (PersistentWorker<Integer, Integer> worker : workers) {
                worker.endInput();                 // no more arguments (pyworkers: close())
                worker.await(LONG);      // wait()
                printed.add(worker.result() + " " + worker.results().collect(Collectors.toList()));
            }
            assertThat(printed).containsExactly("5 [0, 4, 16, 36, 64]", "5 [1, 9, 25, 49, 81]");
        } finally {
            workers.forEach(Worker::close);
        }
    }
    // end::persistent[]

    // tag::persistentRestart[]
    @Test
    void persistentWorkerRestart() throws Exception {
        try (PersistentWorker<Integer, Integer> worker =
                Workers.persistent(WorkerType.PROCESS, (Integer x) -> foo(x), QUIET)) {
            worker.enqueue(2);
            assertThat(worker.nextResult(LONG)).isEqualTo(4);   // get_next_result()

            // restart: a new process (e.g. to free memory the old one held), same object, same function
            long oldPid = worker.pid();
            worker.restart();
            assertThat(worker.pid()).isNotEqualTo(oldPid);

            worker.enqueue(3);
            worker.endInput();
            assertThat(worker.results().collect(Collectors.toList())).containsExactly(9);
            worker.await(LONG);
            assertThat(worker.result()).isEqualTo(1);      // the call count restarts with the process
        }
    }
    // end::persistentRestart[]

    // tag::pool[]
    @Test
    void pool() throws Exception {
        // p = Pool(foo, name='Simple Pool'); p.add_worker(wtype) for each kind
        Pool p = Pool.create(PoolOptions.builder()
                .name("Simple Pool")
                .workerTypes(WorkerType.THREAD, WorkerType.PROCESS)   // worker i is of kind types[i % 2]
                .minWorkers(2).maxWorkers(2)
                .workerOptions(QUIET)
                .build());
        List<Integer> results = new ArrayList<>();
        try (p) {                                                     // with p:
            assertThat(p.stats().workersAlive()).isEqualTo(2);

            results.addAll(p.map((Integer x) -> foo(x), range(0, 10)));          // p.run(iter(range(10)))
            // the workers are still alive as long as the pool is open
            assertThat(p.stats().workersAlive()).isEqualTo(2);
            assertThat(p.stats().workersStarted()).isEqualTo(2);

            p.restartWorkers();                                                   // p.restart_workers()
            results.addAll(p.map((Integer x) -> foo(x), range(10, 20)));
            assertThat(p.stats().workersStarted()).isEqualTo(4);
        }
        // after the block every worker is dead
        assertThat(p.isTerminated()).isTrue();
        assertThat(p.stats().workersAlive()).isZero();

        results.sort(Comparator.naturalOrder());                                   // print(sorted(results))
        assertThat(results).hasToString("[0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144, 169, 196, "
                + "225, 256, 289, 324, 361]");
    }
    // end::pool[]

    // tag::perWorkerFunctions[]
    @Test
    void poolWithPerWorkerFunctions() throws Exception {
        // pyworkers: workers of one Pool may run different target functions
        try (Pool p = Pool.create(PoolOptions.builder()
                .name("Simple Pool")
                .workerTypes(WorkerType.THREAD, WorkerType.PROCESS)
                .minWorkers(2).maxWorkers(2)
                .functionOverride(1, (Integer x) -> fooOnGpu(x))      // worker 1 applies its own function
                .workerOptions(QUIET)
                .build())) {
            // every other worker applies the function given to map
            List<String> results = p.map((Integer x) -> fooOnWorker(x), range(0, 10));

            // in input order, each computed by worker 0 with map's function or by worker 1 with its own
            for (int x = 0; x < 10; x++) {
                assertThat(results.get(x)).isIn("#0 foo(" + x + ") = " + foo(x), "#1 gpu(" + x + ") = " + foo(x));
            }
            // map sends the inputs in chunks, and both workers, idle at the start, took some
            assertThat(results).anyMatch(r -> r.startsWith("#0 foo")).anyMatch(r -> r.startsWith("#1 gpu"));
        }
    }
    // end::perWorkerFunctions[]

    // tag::workerState[]
    @Test
    void workerState() throws Exception {
        // pyworkers: a worker with init_state=0, whose target counts its calls in user_state
        WorkerOptions counting = QUIET.toBuilder().initialState(0).build();
        try (PersistentWorker<String, Integer> w = Workers.persistent(WorkerType.PROCESS, (String word) -> {
            int calls = WorkerContext.userState(Integer.class) + 1;  // the state this worker carries
            WorkerContext.setUserState(calls);                       // changed by the call
            return word.length();
        }, counting)) {
            w.enqueue("alpha");
            w.enqueue("beta");
            w.endInput();
            assertThat(w.results()).containsExactly(5, 4);
            assertThat(w.await(LONG)).isTrue();
            assertThat(w.userState()).contains(2);  // brought back to the controller when it ended
        }
    }
    // end::workerState[]

    // tag::createWithoutRunning[]
    @Test
    void createWithoutRunning() throws Exception {
        // pyworkers: ProcessWorker(target=foo, args=(2,), run=False), then worker.start()
        try (Worker<Integer> w = Workers.create(WorkerType.PROCESS, () -> foo(2), QUIET)) {
            assertThat(w.state()).isEqualTo(WorkerState.CREATED);  // nothing runs yet
            assertThat(w.pid()).isEqualTo(-1);
            assertThatThrownBy(w::result).isInstanceOf(IllegalStateException.class).hasMessageContaining("CREATED");

            w.start();
            assertThat(w.await(LONG)).isTrue();
            assertThat(w.result()).isEqualTo(4);
        }
    }
    // end::createWithoutRunning[]

    // tag::poolWorkers[]
    @Test
    void poolWorkersGenocide() throws Exception {
        // pyworkers' genocide test: kill every worker of a busy pool; the pool carries on
        try (Pool pool = Pool.create(PoolOptions.builder().minWorkers(2).maxWorkers(2).workerOptions(QUIET).build())) {
            TaskHandle<String> doomed = pool.submit(() -> {
                Thread.sleep(Long.MAX_VALUE);
                return "never";
            });
            await().atMost(LONG).until(() -> pool.workers().stream().anyMatch(w -> w.currentTaskId().isPresent()));
            for (PooledWorker w : pool.workers()) {
                System.out.println("#" + w.index() + " " + w.name() + " pid " + w.pid() + " " + w.state()
                        + ", running task " + w.currentTaskId() + ", " + w.tasksDone() + " done");
                w.kill();  // the same as `kill -9 PID` from outside
            }
            assertThat(doomed.future()).failsWithin(LONG)
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(WorkerDiedException.class);
            await().atMost(LONG).until(() -> pool.workers().size() == 2);  // replaced
            assertThat(pool.submit(() -> 6 * 7).future()).succeedsWithin(LONG).isEqualTo(42);
        }
    }
    // end::poolWorkers[]

    // tag::remoteContext[]
    @Test
    void remoteContext() throws Exception {
        // pyworkers: with RemoteContext(host) as ctx, every worker started in it ends with it
        // The token: Token.fromFile(...) in real use; any 16+ characters serve a server this program starts.
        Token token = Token.of("a-shared-secret-of-16+-bytes");
        try (WorkerServer server = WorkerServer.start(WorkerServerOptions.builder().token(token).build())) {
            RemoteOptions remote = server.remoteOptions()
                    .allowClasses(getClass().getPackageName() + ".**")  // the package of the tasks
                    .build();
            RemoteContext ctx = RemoteContext.open(remote, "experiment");
            WorkerOptions inContext = QUIET.toBuilder().remote(remote).remoteContext(ctx.id()).build();
            try (Worker<String> a = Workers.start(WorkerType.REMOTE, () -> {
                        Thread.sleep(Long.MAX_VALUE);
                        return "a";
                    }, inContext);
                    // another controller that knows the id (and the token) can start workers in it too
                    PersistentWorker<Integer, Integer> b =
                            Workers.persistent(WorkerType.REMOTE, (Integer x) -> x + 1, inContext)) {
                assertThat(ctx.end()).hasValue(2);  // both workers terminated
                assertThat(a.await(LONG) && b.await(LONG)).isTrue();
                assertThat(a.state()).isEqualTo(WorkerState.DIED);
                assertThat(a.exit().orElseThrow().description()).contains("remote context 'experiment' ended");
            }
        }
    }
    // end::remoteContext[]
}
