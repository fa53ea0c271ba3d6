package demo.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import demo.tck.Probes.Blocker;
import demo.tck.Probes.Divides;
import demo.tck.Probes.Refused;
import demo.tck.Probes.Throws;
import demo.tck.Probes.Touch;
import demo.tck.Probes.Value;
import dev.procpool.FailureContext;
import dev.procpool.OutputHandler;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.TaskNotSerializableException;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerType;
import dev.procpool.testing.Deadlines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ExecutorService} contract as the JSR-166 TCK states it (AbstractExecutorServiceTest,
 * and the generic parts of ThreadPoolExecutorTest and ExecutorsTest), restated in our own words
 * and run against {@code Pool.asExecutorService()} from outside {@code dev.procpool}, as a user
 * meets it. Each subclass runs every case on one kind of pool. Tasks are serializable, so the same
 * cases hold where a process is involved. One pool serves the cases that leave it usable; the
 * cases that shut a pool down get their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ExecutorServiceContract {
    private Pool shared;
    private ExecutorService e;
    /**
     * One directory for the class, removed after the shared pool is closed: a task of a case may
     * still write in it (a cancelled one noting its interrupt) after the case ended.
     */
    @TempDir
    static Path dir;

    /** The kinds of workers of the pools under test, in the order slots take them. */
    abstract WorkerType[] kinds();

    /** Whether every worker of the pool is a thread (then tasks need not be serializable). */
    boolean threadsOnly() {
        return Arrays.stream(kinds()).allMatch(k -> k == WorkerType.THREAD);
    }

    Pool newPool() throws Exception {
        return Pool.create(PoolOptions.builder().name("tck").minWorkers(2).maxWorkers(2).workerTypes(kinds())
                .grace(Duration.ofMillis(300))
                .workerOptions(WorkerOptions.builder().output(OutputHandler.discard()).build()).build());
    }

    @BeforeAll
    void startSharedPool() throws Exception {
        shared = newPool();
        e = shared.asExecutorService();
    }

    @AfterAll
    void closeSharedPool() {
        shared.close();
        assertThat(shared.isTerminated()).isTrue();
    }

    private String file(String name) {
        return Probes.file(dir, name);
    }

    private static void release(String path) throws Exception {
        Files.writeString(Path.of(path), "go");
    }

    private static void awaitFile(String path) {
        await().atMost(Deadlines.LONG).until(() -> Files.exists(Path.of(path)));
    }

    // ---------------------------------------------------------------- execute and submit

    @Test
    void executeRunsTheRunnable() {
        e.execute(new Touch(file("executed")));
        awaitFile(file("executed"));
    }

    @Test
    void submittedCallableGivesItsValue() throws Exception {
        assertThat(e.submit(new Value<>("v")).get(60, TimeUnit.SECONDS)).isEqualTo("v");
    }

    @Test
    void submittedRunnableGivesNull() throws Exception {
        Future<?> f = e.submit((Runnable) new Touch(file("submitted")));
        assertThat(f.get(60, TimeUnit.SECONDS)).isNull();
        assertThat(f.isDone()).isTrue();
        assertThat(Path.of(file("submitted"))).exists();
    }

    @Test
    void submittedRunnableWithResultGivesThatResult() throws Exception {
        assertThat(e.submit(new Touch(file("with-result")), "result").get(60, TimeUnit.SECONDS)).isEqualTo("result");
    }

    @Test
    void executorsCallableAdaptersRun() throws Exception {
        // Executors.callable(...) returns the JDK's adapters, which are not serializable
        Callable<Object> adapted = java.util.concurrent.Executors.callable(new Touch(file("adapted")), "r");
        if (threadsOnly()) {
            assertThat(e.submit(adapted).get(60, TimeUnit.SECONDS)).isEqualTo("r");
        } else {
            assertThatThrownBy(() -> e.submit(adapted)).isInstanceOf(RejectedExecutionException.class)
                    .hasCauseInstanceOf(TaskNotSerializableException.class);
        }
    }

    @Test
    void nullTasksAreRefusedWithNullPointerException() {
        assertThatThrownBy(() -> e.execute(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.submit((Runnable) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.submit((Runnable) null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.submit((Callable<String>) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void getOfAFailedTaskThrowsExecutionExceptionCausedByTheTasksOwnException() throws Exception {
        Future<String> f = e.submit(new Throws("no"));
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(Refused.class).hasMessage("no");
        Throwable cause = catchCause(f);
        // the worker-side stack, and where it ran beside it without changing the type
        assertThat(cause.getStackTrace()).anyMatch(el -> el.getClassName().equals(Throws.class.getName()));
        FailureContext where = FailureContext.of(cause).orElseThrow();
        assertThat(where.workerName()).startsWith("tck-");
        assertThat(where.pid()).isPositive();
        assertThat(where.attempt()).isEqualTo(1);

        Future<Integer> divided = e.submit(new Divides());
        assertThatThrownBy(() -> divided.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ArithmeticException.class);
    }

    private static Throwable catchCause(Future<?> f) throws InterruptedException {
        try {
            f.get();
            throw new AssertionError("did not fail");
        } catch (ExecutionException ex) {
            return ex.getCause();
        }
    }

    @Test
    void interruptedGetThrowsInterruptedExceptionAndTheTaskCanStillBeCancelled() throws Exception {
        Future<String> f = e.submit(new Blocker(file("get-started"), file("never-released")));
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> f.get()).isInstanceOf(InterruptedException.class);
        assertThat(f.cancel(true)).isTrue();
        assertThat(f.isCancelled()).isTrue();
        assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
    }

    @Test
    void supplyAsyncRunsOnThePoolOrSaysWhyNot() throws Exception {
        if (threadsOnly()) {
            AtomicReference<String> thread = new AtomicReference<>();
            String v = CompletableFuture.supplyAsync(() -> {
                thread.set(Thread.currentThread().getName());
                return "supplied";
            }, e).get(60, TimeUnit.SECONDS);
            assertThat(v).isEqualTo("supplied");
            assertThat(thread.get()).contains("tck-");
        } else {
            assertThatThrownBy(() -> CompletableFuture.supplyAsync(() -> "x", e))
                    .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("CompletableFuture")
                    .hasCauseInstanceOf(TaskNotSerializableException.class);
        }
    }

    @Test
    void plainTasksCapturingAnythingRunOnThreadsAndAreNamedWhenTheyCannotCross() throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        Runnable countDown = latch::countDown;
        Callable<Object> fresh = Object::new;
        if (threadsOnly()) {
            e.execute(countDown);
            assertThat(latch.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(e.submit(fresh).get(60, TimeUnit.SECONDS)).isNotNull();
            Object same = new Object();
            assertThat(e.submit(() -> same).get(60, TimeUnit.SECONDS)).isSameAs(same); // by reference, no copy
        } else {
            assertThatThrownBy(() -> e.execute(countDown)).isInstanceOf(RejectedExecutionException.class)
                    // the lambda's class names where it was written
                    .hasMessageContaining(ExecutorServiceContract.class.getName())
                    .hasMessageContaining("process worker")
                    .hasCauseInstanceOf(TaskNotSerializableException.class);
        }
    }

    // ---------------------------------------------------------------- invokeAny

    @Test
    void invokeAnyRefusesNullEmptyAndNullElements() {
        assertThatThrownBy(() -> e.invokeAny(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.invokeAny(new ArrayList<Callable<String>>()))
                .isInstanceOf(IllegalArgumentException.class);
        List<Callable<String>> withNull = new ArrayList<>();
        withNull.add(new Value<>("a"));
        withNull.add(null);
        assertThatThrownBy(() -> e.invokeAny(withNull)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void timedInvokeAnyRefusesNullEmptyNullUnitAndNullElements() {
        List<Callable<String>> one = List.of(new Value<>("a"));
        assertThatThrownBy(() -> e.invokeAny(null, 60, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.invokeAny(one, 60, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.invokeAny(new ArrayList<Callable<String>>(), 60, TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class);
        List<Callable<String>> withNull = new ArrayList<>(one);
        withNull.add(null);
        assertThatThrownBy(() -> e.invokeAny(withNull, 60, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void invokeAnyWhereAllFailThrowsExecutionExceptionWithATasksOwnException() {
        List<Callable<Integer>> failing = List.of(new Divides(), new Divides());
        assertThatThrownBy(() -> e.invokeAny(failing)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> e.invokeAny(failing, 60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ArithmeticException.class);
    }

    @Test
    void invokeAnyGivesTheValueOfATaskThatSucceeded() throws Exception {
        List<Callable<String>> tasks = List.of(new Value<>("x"), new Value<>("x"));
        assertThat(e.invokeAny(tasks)).isEqualTo("x");
        assertThat(e.invokeAny(tasks, 60, TimeUnit.SECONDS)).isEqualTo("x");
        List<Callable<String>> oneFails = List.of(new Throws("no"), new Value<>("y"));
        assertThat(e.invokeAny(oneFails)).isEqualTo("y");
    }

    // ---------------------------------------------------------------- invokeAll

    @Test
    void invokeAllRefusesNullAndNullElementsAndTakesAnEmptyCollection() throws Exception {
        assertThatThrownBy(() -> e.invokeAll(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.invokeAll(null, 60, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.invokeAll(List.of(new Value<>("a")), 60, null))
                .isInstanceOf(NullPointerException.class);
        List<Callable<String>> withNull = new ArrayList<>();
        withNull.add(new Touch(file("before-null")));
        withNull.add(null);
        assertThatThrownBy(() -> e.invokeAll(withNull)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.invokeAll(withNull, 60, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class);
        assertThat(e.invokeAll(Collections.<Callable<String>>emptyList())).isEmpty();
        assertThat(e.invokeAll(Collections.<Callable<String>>emptyList(), 60, TimeUnit.SECONDS)).isEmpty();
        // a null element refuses the whole call: nothing of it was submitted
        e.submit(new Value<>("barrier")).get(60, TimeUnit.SECONDS);
        assertThat(Path.of(file("before-null"))).doesNotExist();
    }

    @Test
    void invokeAllGivesEveryOutcomeAndEveryFutureIsDone() throws Exception {
        List<Callable<String>> tasks = List.of(new Value<>("a"), new Throws("b"), new Value<>("c"));
        for (List<Future<String>> fs : List.of(e.invokeAll(tasks), e.invokeAll(tasks, 60, TimeUnit.SECONDS))) {
            assertThat(fs).hasSize(3).allMatch(Future::isDone);
            assertThat(fs.get(0).get()).isEqualTo("a");
            assertThatThrownBy(() -> fs.get(1).get()).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(Refused.class);
            assertThat(fs.get(2).get()).isEqualTo("c");
        }
    }

    @Test
    void timedInvokeAllCancelsWhatDidNotFinishInTime() throws Exception {
        // as the TCK does: a timeout long enough for the quick tasks, doubled until it is
        for (long millis = 500; ; millis *= 2) {
            String started = file("timed-started-" + millis);
            List<Callable<String>> tasks = List.of(new Value<>("quick"), new Blocker(started, file("never")));
            List<Future<String>> fs = e.invokeAll(tasks, millis, TimeUnit.MILLISECONDS);
            assertThat(fs).hasSize(2).allMatch(Future::isDone);
            assertThat(fs.get(1).isCancelled()).isTrue();
            if (fs.get(0).isCancelled() && millis < 30_000) {
                continue; // the machine was too slow even for the quick one
            }
            assertThat(fs.get(0).get()).isEqualTo("quick");
            return;
        }
    }

    @Test
    void interruptedInvokeAllCancelsEveryUnfinishedTask() throws Exception {
        for (boolean timed : new boolean[] {false, true}) {
            try (Pool pool = newPool()) {
                ExecutorService view = pool.asExecutorService();
                String a = file("inv-a-" + timed);
                String b = file("inv-b-" + timed);
                List<Callable<String>> tasks = List.of(new Blocker(a, file("never")), new Blocker(b, file("never")),
                        new Touch(file("inv-queued-" + timed)));
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread caller = new Thread(() -> {
                    try {
                        if (timed) {
                            view.invokeAll(tasks, 120, TimeUnit.SECONDS);
                        } else {
                            view.invokeAll(tasks);
                        }
                    } catch (Throwable t) {
                        thrown.set(t);
                    }
                });
                caller.start();
                awaitFile(a);
                awaitFile(b);
                caller.interrupt();
                caller.join(Deadlines.LONG.toMillis());
                assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
                // nothing is left to run: the pool ends at once, and the queued task never ran
                view.shutdown();
                assertThat(view.awaitTermination(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
                assertThat(Path.of(file("inv-queued-" + timed))).doesNotExist();
            }
        }
    }

    // ---------------------------------------------------------------- shutdown

    @Test
    void afterShutdownEverySubmissionIsRejectedAndThePoolTerminates() throws Exception {
        try (Pool pool = newPool()) {
            ExecutorService view = pool.asExecutorService();
            assertThat(view.isShutdown()).isFalse();
            assertThat(view.isTerminated()).isFalse();
            assertThat(view.awaitTermination(1, TimeUnit.MILLISECONDS)).isFalse();
            view.shutdown();
            assertThat(view.isShutdown()).isTrue();
            assertThatThrownBy(() -> view.execute(new Touch(file("late")))).isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> view.submit(new Value<>("late"))).isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> view.invokeAll(List.of(new Value<>("late"))))
                    .isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> view.invokeAny(List.of(new Value<>("late"))))
                    .isInstanceOf(RejectedExecutionException.class);
            assertThat(view.awaitTermination(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(view.isTerminated()).isTrue();
            assertThat(Path.of(file("late"))).doesNotExist();
        }
    }

    @Test
    void aShutDownPoolFinishesWhatRunsBeforeItTerminates() throws Exception {
        try (Pool pool = newPool()) {
            ExecutorService view = pool.asExecutorService();
            String started = file("terminating-started");
            String release = file("terminating-release");
            Future<String> f = view.submit(new Blocker(started, release));
            awaitFile(started);
            view.shutdown();
            assertThat(view.isShutdown()).isTrue();
            assertThat(view.isTerminated()).isFalse();
            assertThat(view.awaitTermination(50, TimeUnit.MILLISECONDS)).isFalse();
            release(release);
            assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo("released");
            assertThat(view.awaitTermination(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void shutdownNowReturnsTheTasksThatNeverStartedAndStopsTheRunningOnes() throws Exception {
        try (Pool pool = newPool()) {
            ExecutorService view = pool.asExecutorService();
            String a = file("now-a");
            String b = file("now-b");
            Future<String> fa = view.submit(new Blocker(a, file("never")));
            Future<String> fb = view.submit(new Blocker(b, file("never")));
            awaitFile(a);
            awaitFile(b);
            List<Touch> queued = List.of(new Touch(file("q1")), new Touch(file("q2")), new Touch(file("q3")));
            queued.forEach(view::execute);
            List<Runnable> neverStarted = view.shutdownNow();
            assertThat(neverStarted).containsExactlyInAnyOrderElementsOf(queued); // the Runnables themselves
            assertThat(view.isShutdown()).isTrue();
            assertThat(view.awaitTermination(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(fa.isDone()).isTrue();
            assertThat(fb.isDone()).isTrue();
            for (Touch t : queued) {
                assertThat(Path.of(t.path())).doesNotExist();
            }
            assertThatThrownBy(() -> view.submit(new Value<>("late"))).isInstanceOf(RejectedExecutionException.class);
        }
    }

    @Test
    void joinOfAFailedFutureGivesCompletionExceptionCausedByTheTasksOwnException() {
        Future<String> f = e.submit(new Throws("joined"));
        assertThat(f).isInstanceOf(CompletableFuture.class);
        assertThatThrownBy(((CompletableFuture<String>) f)::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(Refused.class).hasMessage("joined");
    }
}
