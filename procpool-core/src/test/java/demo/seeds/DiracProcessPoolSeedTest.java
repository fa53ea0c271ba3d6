package demo.seeds;

// tag::imports[]
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.FailureContext;
import dev.procpool.CallbackMode;
import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.RejectionPolicy;
import dev.procpool.Task;
import dev.procpool.TaskHandle;
import dev.procpool.TaskOptions;
import dev.procpool.TaskRejectedException;
import dev.procpool.TaskState;
import dev.procpool.TaskTimeoutException;
import dev.procpool.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
// end::imports[]
import dev.procpool.testing.LeakCheck;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README of DIRAC's ProcessPool, written with procpool. Each tagged region is shown verbatim in
 * {@code docs/seeds.md} (checked by {@link SeedDocSyncTest}).
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class DiracProcessPoolSeedTest {

    // tag::conventions[]
    /** The longest an example waits for anything: an upper bound, never a sleep (your code picks its own). */
    static final Duration LONG = Duration.ofMinutes(1);
    /** The same bound in seconds, for {@code future.get(WAIT, TimeUnit.SECONDS)}. */
    static final long WAIT = LONG.toSeconds();
    /** Worker options that drop the children's output (by default printed with a [name] prefix). */
    static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();
    // end::conventions[]

    // tag::functions[]
    static int add(int a, int b) {
        return a + b;
    }

    static int divide(int a, int b) {
        return a / b;
    }

    /** a * a, once the file {@code gate} exists: lets an example hold a request in its worker. */
    static int squareWhenOpen(String gate, int a) throws InterruptedException {
        while (!Files.exists(Path.of(gate))) {
            Thread.sleep(10);
        }
        return a * a;
    }
    // end::functions[]

    // tag::power[]
    /** A callable object (DIRAC: a class with __call__); its fields are its arguments. */
    static final class Power implements Task<Long> {
        private static final long serialVersionUID = 1L;
        private final long base;
        private final int exponent;

        Power(long base, int exponent) {
            this.base = base;
            this.exponent = exponent;
        }

        @Override
        public Long call() {
            long result = 1;
            for (int i = 0; i < exponent; i++) {
                result *= base;
            }
            return result;
        }
    }
    // end::power[]

    // tag::constructor[]
    @Test
    void constructorSizesThePool(@TempDir Path dir) throws Exception {
        String gate = dir.resolve("gate").toString();
        List<Object> seen = new CopyOnWriteArrayList<>();
        // ProcessPool(minSize=1, maxSize=2, maxQueuedRequests=10, strictLimits=True,
        //             poolCallback=..., poolExceptionCallback=...)
        try (Pool pool = Pool.create(PoolOptions.builder()
                .minWorkers(1)                                         // minSize: alive all the time
                .maxWorkers(2)                                         // maxSize
                .queueCapacity(10)                                     // maxQueuedRequests
                .idleTimeout(Duration.ofMillis(300))                   // strictLimits: idle extras exit
                .onResult((task, result) -> seen.add(result))          // poolCallback
                .onError((task, error) -> seen.add(error))             // poolExceptionCallback
                .workerOptions(QUIET)
                .build())) {
            assertThat(pool.stats().workersAlive()).isEqualTo(1);

            // two requests at once: the first worker is busy, so the pool grows to maxSize
            TaskHandle<Integer> first = pool.submit(() -> squareWhenOpen(gate, 2));
            TaskHandle<Integer> second = pool.submit(() -> squareWhenOpen(gate, 3));
            await().atMost(LONG).until(() -> pool.stats().running() == 2);
            assertThat(pool.stats().workersAlive()).isEqualTo(2);

            Files.createFile(Path.of(gate));
            assertThat(first.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(second.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(9);
            await().atMost(LONG).until(() -> seen.size() == 2);   // the pool callback saw both

            // idle for longer than the idle timeout, the extra worker exits: back to minSize
            await().atMost(LONG).until(() -> pool.stats().workersAlive() == 1);
        }
    }
    // end::constructor[]

    // tag::createAndQueueTask[]
    @Test
    void createAndQueueTask() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        try (Pool pool = Pool.create(PoolOptions.builder()
                .callbackMode(CallbackMode.ON_DEMAND)        // DIRAC's default: processRequests() runs callbacks
                .onResult((task, result) -> events.add("pool callback: " + task.tags().get("taskID") + " -> " + result))
                .workerOptions(QUIET)
                .build())) {
            // pool.createAndQueueTask(add, args=(3, 4), taskID="t-7", callback=..., exceptionCallback=...,
            //                         usePoolCallbacks=True, timeOut=10, blocking=True)
            TaskHandle<Integer> task = pool.submit(() -> add(3, 4), TaskOptions.<Integer>builder()
                    .tag("taskID", "t-7")
                    .onResult(result -> events.add("callback -> " + result))
                    .onError(error -> events.add("exceptionCallback: " + error))
                    .timeout(Duration.ofSeconds(10))
                    .build());
            assertThat(task.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(7);

            pool.processAllResults();                        // pool.processAllRequests()
            assertThat(events).containsExactly("callback -> 7", "pool callback: t-7 -> 7");
        }
    }
    // end::createAndQueueTask[]

    // tag::processTask[]
    @Test
    void processTaskInstance() throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().workerOptions(QUIET).build())) {
            // task = ProcessTask(Power, args=(2, 10), callback=..., timeOut=10); pool.queueTask(task)
            Task<Long> task = new Power(2, 10);
            TaskOptions<Long> options = TaskOptions.<Long>builder()
                    .timeout(Duration.ofSeconds(10))
                    .build();
            TaskHandle<Long> queued = pool.submit(task, options);
            assertThat(queued.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(1024L);
        }
    }
    // end::processTask[]

    // tag::processRequests[]
    @Test
    void processRequestsOnDemand() throws Exception {
        List<Integer> processed = new ArrayList<>();    // only touched by this thread: callbacks run here
        try (Pool pool = Pool.create(PoolOptions.builder()
                .maxWorkers(2)
                .callbackMode(CallbackMode.ON_DEMAND)       // DIRAC's default: results wait to be processed
                .onResult((task, result) -> processed.add((Integer) result))
                .workerOptions(QUIET)
                .build())) {
            List<CompletableFuture<Integer>> futures = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                int x = i;
                futures.add(pool.submit(() -> add(x, x)).future());
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT, TimeUnit.SECONDS);
            assertThat(processed).isEmpty();                 // done, but not processed yet

            // pool.processRequests(): run the callbacks of the requests that have ended, in this thread
            assertThat(pool.processResults()).isEqualTo(3);
            assertThat(processed).containsExactlyInAnyOrder(2, 4, 6);

            // pool.processAllRequests(): block until every request has ended and was processed
            pool.submit(() -> add(5, 5));
            assertThat(pool.processAllResults()).isEqualTo(1);
            assertThat(processed).containsExactlyInAnyOrder(2, 4, 6, 10);
        }
    }
    // end::processRequests[]

    // tag::daemonize[]
    @Test
    void daemonize() throws Exception {
        List<String> processed = new CopyOnWriteArrayList<>();
        try (Pool pool = Pool.create(PoolOptions.builder()
                .callbackMode(CallbackMode.DAEMON)          // pool.daemonize(); procpool's default
                .onResult((task, result) -> processed.add(Thread.currentThread().getName() + ": " + result))
                .workerOptions(QUIET)
                .build())) {
            pool.submit(() -> add(1, 2));
            // nobody calls processResults(): a pool thread runs the callback as soon as the result arrives
            await().atMost(LONG).until(() -> processed.size() == 1);
            assertThat(processed.get(0)).startsWith("procpool-callbacks").endsWith(": 3");

            // processAllRequests() still works: it waits until every request ended and its callbacks ran
            pool.submit(() -> add(2, 3));
            pool.processAllResults();
            assertThat(processed).hasSize(2);
            assertThat(processed.get(1)).endsWith(": 5");
        }
    }
    // end::daemonize[]

    // tag::fullQueue[]
    @Test
    void freeSlotsFullQueueAndBlocking(@TempDir Path dir) throws Exception {
        String gate = dir.resolve("gate").toString();
        try (Pool pool = Pool.create(PoolOptions.builder()
                .minWorkers(1).maxWorkers(1)
                .queueCapacity(1)                                // maxQueuedRequests=1
                .workerOptions(QUIET)
                .build())) {
            await().atMost(LONG).until(pool::hasFreeSlots);     // the worker is up and idle
            assertThat(pool.isFull()).isFalse();

            TaskHandle<Integer> running = pool.submit(() -> squareWhenOpen(gate, 2));
            assertThat(running.state()).isEqualTo(TaskState.RUNNING);
            assertThat(pool.hasFreeSlots()).isFalse();       // busy, and cannot grow
            TaskHandle<Integer> queued = pool.submit(() -> squareWhenOpen(gate, 3));
            assertThat(queued.state()).isEqualTo(TaskState.QUEUED);
            assertThat(pool.isFull()).isTrue();

            // blocking=True: adding to a full queue waits until a request is taken out
            CompletableFuture<TaskHandle<Integer>> blocked =
                    CompletableFuture.supplyAsync(() -> pool.submit(() -> squareWhenOpen(gate, 4)));
            assertThatThrownBy(() -> blocked.get(100, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);

            Files.createFile(Path.of(gate));
            assertThat(blocked.get(WAIT, TimeUnit.SECONDS).future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(16);
            assertThat(running.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(queued.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(9);
        }
    }
    // end::fullQueue[]

    // tag::nonBlocking[]
    @Test
    void nonBlockingQueueing(@TempDir Path dir) throws Exception {
        String gate = dir.resolve("gate").toString();
        try (Pool pool = Pool.create(PoolOptions.builder()
                .minWorkers(1).maxWorkers(1)
                .queueCapacity(1)
                .rejectionPolicy(RejectionPolicy.ABORT)          // blocking=False, for the whole pool
                .workerOptions(QUIET)
                .build())) {
            await().atMost(LONG).until(pool::hasFreeSlots);
            TaskHandle<Integer> running = pool.submit(() -> squareWhenOpen(gate, 2));
            TaskHandle<Integer> queued = pool.submit(() -> squareWhenOpen(gate, 3));

            // the queue is full: refused at once, with a clear exception, instead of waiting
            assertThatThrownBy(() -> pool.submit(() -> squareWhenOpen(gate, 4)))
                    .isInstanceOf(TaskRejectedException.class)
                    .hasMessageContaining("is full");

            Files.createFile(Path.of(gate));
            assertThat(running.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(queued.future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(9);
        }
    }
    // end::nonBlocking[]

    // tag::callbacks[]
    @Test
    void callbacksTaskFirstThenPool() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        try (Pool pool = Pool.create(PoolOptions.builder()
                .maxWorkers(1)
                .onResult((task, result) -> events.add("pool callback " + result))
                .onError((task, error) -> events.add("pool exceptionCallback " + error.getClass().getName()))
                .workerOptions(QUIET)
                .build())) {
            TaskOptions<Integer> withCallbacks = TaskOptions.<Integer>builder()
                    .onResult(result -> events.add("task callback " + result))
                    .onError(error -> events.add("task exceptionCallback " + error.getMessage()))
                    .build();

            pool.submit(() -> add(2, 3), withCallbacks);
            pool.processAllResults();                  // waits until its callbacks ran (on the pool's thread)
            // exc_info: the exception itself, thrown in the worker (class, message, worker-side stack)
            pool.submit(() -> divide(1, 0), withCallbacks);
            pool.processAllResults();
            assertThat(events).containsExactly(
                    "task callback 5", "pool callback 5",
                    "task exceptionCallback / by zero", "pool exceptionCallback java.lang.ArithmeticException");

            // usePoolCallbacks=False: only the task's own callbacks
            events.clear();
            pool.submit(() -> add(1, 1), TaskOptions.<Integer>builder()
                    .onResult(result -> events.add("task callback " + result))
                    .skipPoolCallbacks()
                    .build());
            pool.processAllResults();
            assertThat(events).containsExactly("task callback 2");
        }
    }
    // end::callbacks[]

    // tag::excInfo[]
    @Test
    void exceptionInfo() throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder().workerOptions(QUIET).build())) {
            TaskHandle<Integer> failing = pool.submit(() -> divide(1, 0));
            Throwable error = failing.future().handle((value, e) -> e).get(WAIT, TimeUnit.SECONDS);
            // S_ERROR + {"Exception": {"Value": name, "Exc_info": info}}: the worker's exception
            // itself, with its class, message and worker-side stack trace; where it ran (worker,
            // pid, task id) rides along as a suppressed FailureContext
            Throwable excInfo = error;
            assertThat(FailureContext.of(excInfo)).isPresent();
            assertThat(excInfo.getClass().getName()).isEqualTo("java.lang.ArithmeticException");
            assertThat(excInfo.getMessage()).isEqualTo("/ by zero");
            assertThat(excInfo.getStackTrace()).anyMatch(frame -> frame.getMethodName().equals("divide"));
            assertThat(failing.state()).isEqualTo(TaskState.FAILED);
        }
    }
    // end::excInfo[]

    // tag::timeOut[]
    @Test
    void timedExecution() throws Exception {
        try (Pool pool = Pool.create(PoolOptions.builder()
                .maxWorkers(1)
                .grace(Duration.ofMillis(200))             // between interrupt, SIGTERM and SIGKILL
                .workerOptions(QUIET)
                .build())) {
            // timeOut=...: a task that ignores interrupts (and could trap any signal but SIGKILL)
            TaskHandle<Integer> stuck = pool.submit(() -> {
                while (true) {
                    Thread.interrupted();
                }
            }, TaskOptions.<Integer>builder().timeout(Duration.ofMillis(500)).build());

            assertThatThrownBy(() -> stuck.future().get(WAIT, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TaskTimeoutException.class);          // S_ERROR('Timed out')
            assertThat(stuck.state()).isEqualTo(TaskState.TIMED_OUT);

            // its worker process was killed and replaced: the pool goes on
            assertThat(pool.submit(() -> add(2, 2)).future().get(WAIT, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(pool.stats().timedOut()).isEqualTo(1);
            assertThat(pool.stats().workersDied()).isEqualTo(1);
        }
    }
    // end::timeOut[]

    // tag::finalize[]
    @Test
    void finalizeThePool() throws Exception {
        Pool pool = Pool.create(PoolOptions.builder()
                .maxWorkers(1)
                .closeTimeout(Duration.ofMillis(500))      // how long close() lets pending work finish
                .grace(Duration.ofMillis(200))             // finalize(timeout): from SIGTERM to SIGKILL
                .workerOptions(QUIET)
                .build());
        TaskHandle<Integer> quick = pool.submit(() -> add(1, 2));
        TaskHandle<Integer> endless = pool.submit(() -> {
            while (true) {
                Thread.interrupted();
            }
        });

        // pool.finalize(timeout): no more tasks (the "bullets"), let work finish up to closeTimeout,
        // then interrupt, SIGTERM, and SIGKILL after the grace
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(quick.future().join()).isEqualTo(3);
        assertThat(endless.state()).isEqualTo(TaskState.CANCELLED);
    }
    // end::finalize[]
}
