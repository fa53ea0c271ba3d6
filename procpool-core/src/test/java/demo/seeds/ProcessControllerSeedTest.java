package demo.seeds;

// tag::imports[]
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.procpool.Batch;
import dev.procpool.BatchResult;
import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaggedResult;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskRejectedException;
import dev.procpool.TaskState;
import dev.procpool.Token;
import dev.procpool.Worker;
import dev.procpool.WorkerGroup;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerTerminatedException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.logs.JsonLinesSink;
import dev.procpool.logs.LogServer;
import dev.procpool.logs.LogServerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
// end::imports[]
import dev.procpool.testing.LeakCheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README examples of the process_controller seed, written with procpool. Each tagged region is
 * shown verbatim in {@code docs/seeds.md} (checked by {@link SeedDocSyncTest}).
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class ProcessControllerSeedTest {

    // tag::conventions[]
    /** The longest an example waits for anything: an upper bound, never a sleep (your code picks its own). */
    static final Duration LONG = Duration.ofMinutes(1);
    /** Worker options that drop the children's output (by default printed with a [name] prefix). */
    static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();
    // end::conventions[]

    // tag::testFunction[]
    /** The seed's test_function.test: a two-argument division that reports its quotient. */
    static double test(double a, double b) {
        if (b == 0) {
            throw new ArithmeticException("division by zero");
        }
        double quotient = a / b;
        System.out.println("Quotient is " + quotient + ".");
        return quotient;
    }
    // end::testFunction[]

    // tag::testWhenOpen[]
    /** test(a, b), once the file {@code gate} exists: lets an example decide when a job ends. */
    static double testWhenOpen(String gate, double a, double b) throws InterruptedException {
        while (!Files.exists(Path.of(gate))) {
            Thread.sleep(10);
        }
        return test(a, b);
    }
    // end::testWhenOpen[]

    // tag::gettingStarted[]
    @Test
    void gettingStarted() throws Exception {
        // test_function.test(4, 2), run in a child JVM. Its stdout comes back to the controller line by
        // line, tagged with the worker's name (the default handler prints "[test-function] Quotient is 2.0.").
        List<String> lines = new CopyOnWriteArrayList<>();
        WorkerOptions options = WorkerOptions.builder()
                .name("test-function")
                .output((worker, source, line) -> lines.add(worker + ": " + line))
                .build();
        try (Worker<Double> worker = Workers.start(WorkerType.PROCESS, () -> test(4, 2), options)) {
            assertThat(worker.await(LONG)).isTrue();
            assertThat(worker.result()).isEqualTo(2.0);
            await().atMost(LONG).until(() -> lines.contains("test-function: Quotient is 2.0."));
        }

        // ProcessController(test_function.test, included_logger=False): drop the child's output instead
        try (Worker<Double> worker = Workers.start(WorkerType.PROCESS, () -> test(4, 2),
                WorkerOptions.builder().output(OutputHandler.discard()).build())) {
            assertThat(worker.await(LONG)).isTrue();
            assertThat(worker.result()).isEqualTo(2.0);
        }
    }
    // end::gettingStarted[]

    // tag::includedLogServer[]
    @Test
    void includedLogServer(@TempDir Path dir) throws Exception {
        // included_logger=True, done properly: a log server takes every worker's events (SLF4J and
        // stdout/stderr lines) as JSON lines over TCP, from this host or others, after a shared token
        Token token = Token.random();  // or Token.fromFile(Path.of("/etc/...")), Token.fromEnv(...)
        Path all = dir.resolve("workers.jsonl");
        try (JsonLinesSink file = JsonLinesSink.open(all);   // or LogSink.slf4j(), or JsonLinesSink.to(System.out)
             LogServer server = LogServer.builder().token(token).sink(file).start();
             LogServerClient logs = LogServerClient.connect("127.0.0.1", server.port(), token)) {
            WorkerOptions options = WorkerOptions.builder().name("test-function").logsTo(logs).build();
            try (Worker<Double> worker = Workers.start(WorkerType.PROCESS, () -> {
                org.slf4j.LoggerFactory.getLogger("test_function").info("dividing {} by {}", 4, 2);
                return test(4, 2);
            }, options)) {
                assertThat(worker.await(LONG)).isTrue();
            }
            logs.flush();
            await().atMost(LONG).until(() -> server.received() == 2);
            file.flush();
            assertThat(Files.readAllLines(all)).anySatisfy(l -> assertThat(l)
                    .contains("\"worker\":\"test-function\"", "\"message\":\"Quotient is 2.0.\""))
                    .anySatisfy(l -> assertThat(l).contains("\"level\":\"INFO\"", "\"logger\":\"test_function\""));
        }
    }
    // end::includedLogServer[]

    // tag::usePool[]
    @Test
    void usePool() throws Exception {
        // pc.create_new_pool(2): two worker processes, started now and kept until the pool is closed
        try (Pool pc = Pool.create(PoolOptions.builder().minWorkers(2).maxWorkers(2).workerOptions(QUIET).build())) {
            // pc.use_pool([[4, 2], [12, 3]]): a job is the method applied to its arguments;
            // submitBatch returns at once, with the batch's id
            List<Task<Double>> jobs = List.of(() -> test(4, 2), () -> test(12, 3));
            Batch<Double> batch = pc.submitBatch(jobs);

            // later: the batch's results, put back in job order -> [2.0, 4.0]
            assertThat(pc.awaitBatch(batch.id(), LONG)).isTrue();
            List<Double> results = pc.<Double>fetchResults(batch.id()).stream()
                    .sorted(Comparator.comparingInt(BatchResult::index))
                    .map(BatchResult::value)
                    .collect(Collectors.toList());
            assertThat(results).containsExactly(2.0, 4.0);
        }
    }
    // end::usePool[]

    // tag::getPoolResults[]
    @Test
    void getPoolResults() throws Exception {
        try (Pool pc = Pool.create(PoolOptions.builder().minWorkers(2).maxWorkers(2).workerOptions(QUIET).build())) {
            List<Task<Double>> firstJobs = List.of(() -> test(4, 2), () -> test(12, 3));
            List<Task<Double>> secondJobs = List.of(() -> test(9, 3));
            Batch<Double> first = pc.submitBatch(firstJobs);
            Batch<Double> second = pc.submitBatch(secondJobs);
            pc.awaitBatch(first.id(), LONG);
            pc.awaitBatch(second.id(), LONG);

            // pc.get_pool_results(): every result not fetched yet, of every batch, in completion
            // order, each tagged with its batch id. The caller keeps them (pc.pool_results).
            List<BatchResult<?>> poolResults = pc.fetchResults();
            Map<Long, List<Object>> byBatch = poolResults.stream().collect(Collectors.groupingBy(
                    BatchResult::batchId, TreeMap::new, Collectors.mapping(BatchResult::value, Collectors.toList())));
            assertThat(byBatch.get(first.id())).containsExactlyInAnyOrder(2.0, 4.0);
            assertThat(byBatch.get(second.id())).containsExactly(3.0);

            // fetched results are handed over, not kept: nothing is pending any more
            assertThat(pc.fetchResults()).isEmpty();
        }
    }
    // end::getPoolResults[]

    // tag::batchError[]
    @Test
    void failedJobKeepsItsErrorWithItsBatch() throws Exception {
        try (Pool pc = Pool.create(PoolOptions.builder().maxWorkers(2).workerOptions(QUIET).build())) {
            List<Task<Double>> jobs = List.of(() -> test(4, 2), () -> test(1, 0));
            Batch<Double> batch = pc.submitBatch(jobs);
            pc.awaitBatch(batch.id(), LONG);

            // batch = pc.pool_results.pop(); batch[0].get() -> the exception information
            BatchResult<Double> failed = pc.<Double>fetchResults(batch.id()).stream()
                    .filter(r -> !r.succeeded())
                    .findFirst().orElseThrow();
            assertThat(failed.batchId()).isEqualTo(batch.id());
            assertThat(failed.index()).isEqualTo(1);                  // the job test(1, 0)
            Throwable error = failed.error().orElseThrow();
            // the job's own exception, as it was thrown
            assertThat(error).isInstanceOf(ArithmeticException.class).hasMessage("division by zero");
            // the stack trace is the worker's: where test() threw, in the child JVM
            assertThat(error.getStackTrace()).anyMatch(f -> f.getMethodName().equals("test"));
        }
    }
    // end::batchError[]

    // tag::poolCache[]
    @Test
    void poolCacheFinerControl() throws Exception {
        try (Pool pc = Pool.create(PoolOptions.builder().maxWorkers(2).workerOptions(QUIET).build())) {
            List<Task<Double>> jobs = List.of(() -> test(4, 2), () -> test(12, 3));
            Batch<Double> batch = pc.submitBatch(jobs);

            // batch = pc.pool_cache.pop(); batch[0].get(): the batch holds one handle per job, in job
            // order; each handle's future waits for that job alone
            TaskHandle<Double> firstJob = batch.tasks().get(0);
            assertThat(firstJob.future().get(LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(2.0);
            assertThat(firstJob.state()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(firstJob.batchId()).hasValue(batch.id());
        }
    }
    // end::poolCache[]

    // tag::useProcess[]
    @Test
    void useProcess() throws Exception {
        // pc.use_process([5, 3]): one process for one job, without a pool. A WorkerGroup starts
        // them, and collects every outcome on one shared queue (pc.process_queue).
        try (WorkerGroup<Double> pc = new WorkerGroup<>()) {
            Worker<Double> process = pc.start(WorkerType.PROCESS, () -> test(5, 3), QUIET);
            assertThat(process.pid()).isNotEqualTo(ProcessHandle.current().pid());  // a real child, at once
            assertThat(process.await(LONG)).isTrue();
            assertThat(process.result()).isEqualTo(5.0 / 3);
        }
    }
    // end::useProcess[]

    // tag::getProcessResults[]
    @Test
    void getProcessResults() throws Exception {
        try (WorkerGroup<Double> pc = new WorkerGroup<>()) {
            // pc.use_process([6, 2]) in a process named "Process-1"
            pc.start(WorkerType.PROCESS, () -> test(6, 2), QUIET.toBuilder().name("Process-1").build());
            assertThat(pc.awaitAll(LONG)).isTrue();

            // pc.get_process_results() -> [[3.0, 'Process-1']]: each result tagged with its worker's name
            List<TaggedResult<Double>> processResults = pc.drainResults();
            assertThat(processResults)
                    .extracting(TaggedResult::value, TaggedResult::workerName)
                    .containsExactly(tuple(3.0, "Process-1"));
        }
    }
    // end::getProcessResults[]

    // tag::processQueue[]
    @Test
    void processQueueInCompletionOrder(@TempDir Path dir) throws Exception {
        String gate = dir.resolve("gate").toString();
        try (WorkerGroup<Double> pc = new WorkerGroup<>()) {
            pc.start(WorkerType.PROCESS, () -> testWhenOpen(gate, 8, 2), QUIET.toBuilder().name("Process-1").build());
            pc.start(WorkerType.PROCESS, () -> test(6, 2), QUIET.toBuilder().name("Process-2").build());

            // pc.process_queue.get(): one result at a time, whichever process finished first
            TaggedResult<Double> firstDone = pc.nextResult(LONG);
            assertThat(firstDone.workerName()).isEqualTo("Process-2");
            assertThat(firstDone.get()).isEqualTo(3.0);
            assertThatThrownBy(() -> pc.nextResult(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);

            Files.createFile(Path.of(gate));                            // let Process-1 finish
            TaggedResult<Double> secondDone = pc.nextResult(LONG);
            assertThat(secondDone.workerName()).isEqualTo("Process-1");
            assertThat(secondDone.get()).isEqualTo(4.0);
        }
    }
    // end::processQueue[]

    // tag::quit[]
    @Test
    void quitFinishesPendingJobsAndKeepsResults() throws Exception {
        try (Pool pc = Pool.create(PoolOptions.builder().maxWorkers(2).workerOptions(QUIET).build())) {
            List<Task<Double>> jobs = List.of(() -> test(4, 2), () -> test(12, 3));
            Batch<Double> batch = pc.submitBatch(jobs);

            // pc.quit(): no new jobs; pending and running ones finish, then the workers exit
            pc.shutdown();
            assertThatThrownBy(() -> pc.submit(() -> test(1, 1))).isInstanceOf(TaskRejectedException.class);
            assertThat(pc.awaitTermination(LONG)).isTrue();
            assertThat(pc.stats().workersAlive()).isZero();

            // the results are still there to fetch
            assertThat(pc.fetchResults(batch.id())).hasSize(2);
        }
    }
    // end::quit[]

    // tag::clear[]
    @Test
    void clearAlsoDropsStoredResults() throws Exception {
        try (Pool pc = Pool.create(PoolOptions.builder().maxWorkers(2).workerOptions(QUIET).build())) {
            List<Task<Double>> jobs = List.of(() -> test(4, 2), () -> test(12, 3));
            Batch<Double> batch = pc.submitBatch(jobs);

            // pc.clear(): like quit(), pending jobs still run to the end, but no result is kept:
            // those nobody fetched are dropped, and so are those of jobs that end afterwards
            pc.shutdownClear();
            assertThat(pc.awaitTermination(LONG)).isTrue();
            assertThat(batch.tasks()).allMatch(job -> job.state() == TaskState.SUCCEEDED);
            assertThat(pc.fetchResults()).isEmpty();
        }
    }
    // end::clear[]

    // tag::exit[]
    @Test
    void exitStopsEverythingNow() throws Exception {
        try (Pool pc = Pool.create(PoolOptions.builder()
                .maxWorkers(1)
                .grace(Duration.ofMillis(200))            // between interrupt, SIGTERM and SIGKILL
                .workerOptions(QUIET)
                .build())) {
            TaskHandle<Double> stuck = pc.submit(() -> {
                Thread.sleep(Long.MAX_VALUE);                // a job that would never end
                return 0.0;
            });
            List<Task<Double>> jobs = List.of(() -> test(4, 2), () -> test(12, 3));
            Batch<Double> batch = pc.submitBatch(jobs);
            await().atMost(LONG).until(() -> stuck.state() == TaskState.RUNNING);

            // pc.exit(): stop at once. Every pending job ends as cancelled, its worker process is
            // stopped, and the jobs that never started are handed back to the caller.
            List<Task<?>> neverStarted = pc.shutdownNow();  // e.g. to run them elsewhere later
            assertThat(neverStarted).containsExactlyElementsOf(jobs);   // they waited behind the stuck one
            assertThat(pc.awaitTermination(LONG)).isTrue();
            assertThat(stuck.state()).isEqualTo(TaskState.CANCELLED);
            assertThatThrownBy(() -> stuck.future().join()).isInstanceOf(CancellationException.class);
            assertThat(batch.tasks()).allMatch(job -> job.state() == TaskState.CANCELLED);
            assertThat(pc.stats().cancelled()).isEqualTo(3);
        }
    }
    // end::exit[]

    // tag::exitProcesses[]
    @Test
    void exitForIndividualProcesses() throws Exception {
        // the same for processes started with use_process: terminate them all at once
        WorkerGroup<Double> pc = new WorkerGroup<>();
        Worker<Double> stuck = pc.start(WorkerType.PROCESS, () -> {
            Thread.sleep(Long.MAX_VALUE);
            return 0.0;
        }, QUIET);
        pc.terminateAll(Duration.ofMillis(200));          // interrupt, then SIGTERM, then SIGKILL
        assertThat(stuck.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(pc.drainResults()).singleElement()
                .satisfies(r -> assertThat(r.failure()).isInstanceOf(WorkerTerminatedException.class));
    }
    // end::exitProcesses[]
}
