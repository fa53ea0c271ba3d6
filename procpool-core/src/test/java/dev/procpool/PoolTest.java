package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import dev.procpool.testing.Misbehave;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Pools with real worker processes (and threads), misbehaving on purpose. */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class PoolTest {
    private static final WorkerOptions QUIET = WorkerOptions.builder().output(OutputHandler.discard()).build();

    private static PoolOptions.Builder options(int max) {
        return PoolOptions.builder().maxWorkers(max).workerOptions(QUIET).grace(Duration.ofMillis(300));
    }

    private static <R> R get(TaskHandle<R> h) throws Exception {
        return h.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
    }

    private static Throwable failure(TaskHandle<?> h) {
        try {
            h.future().get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("no outcome for " + h, e);
        }
        throw new AssertionError(h + " succeeded");
    }

    /** A task that waits until a file exists: a gate the test opens, with no sleeps in the test. */
    private static Task<String> waitFor(Path gate, String answer) {
        String path = gate.toString();
        return () -> {
            while (!Files.exists(Path.of(path))) {
                Thread.sleep(2);
            }
            return answer;
        };
    }

    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"THREAD", "PROCESS"})
    void everyTaskComesBackWithItsOutcome(WorkerType type) throws Exception {
        try (Pool pool = Pool.create(options(2).workerTypes(type).build())) {
            TaskHandle<Integer> ok = pool.submit(() -> 6 * 7);
            TaskHandle<Object> bad = pool.submit(() -> {
                throw new IllegalStateException("nope");
            });

            assertThat(get(ok)).isEqualTo(42);
            assertThat(ok.state()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(failure(bad)).isInstanceOf(IllegalStateException.class).hasMessage("nope"); // the task's own
            assertThat(bad.state()).isEqualTo(TaskState.FAILED);
            assertThat(ok.id()).isLessThan(bad.id());
            assertThat(ok.attempts()).isEqualTo(1);
        }
    }

    @Test
    void aPoolMixesThreadAndProcessWorkers() throws Exception {
        try (Pool pool = Pool.create(options(2).minWorkers(2).workerTypes(WorkerType.THREAD, WorkerType.PROCESS).build())) {
            Set<Long> pids = ConcurrentHashMap.newKeySet();
            List<TaskHandle<Long>> hs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                hs.add(pool.submit(() -> {
                    Thread.sleep(1);
                    return ProcessHandle.current().pid();
                }));
            }
            for (TaskHandle<Long> h : hs) {
                pids.add(get(h));
            }
            assertThat(pids).contains(ProcessHandle.current().pid()).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"THREAD", "PROCESS"})
    void aTaskKnowsWhichWorkerRunsIt(WorkerType type) throws Exception {
        try (Pool pool = Pool.create(options(1).name("ctx").workerTypes(type).build())) {
            String who = get(pool.submit(() -> WorkerContext.workerName().orElse("?") + "#"
                    + WorkerContext.poolIndex().orElse(-1)));
            assertThat(who).isEqualTo("ctx-0#0");
        }
        assertThat(WorkerContext.workerName()).isEmpty();
        assertThat(WorkerContext.poolIndex()).isEmpty();
    }

    @Test
    void aWorkerCanApplyItsOwnFunctionInMap() throws Exception {
        try (Pool pool = Pool.create(options(2).minWorkers(2).workerTypes(WorkerType.THREAD, WorkerType.PROCESS)
                .functionOverride(1, (Integer x) -> -x).build())) {
            // both workers up first, so that map's chunks are spread over both
            await().atMost(Deadlines.LONG).until(() -> get(pool.submit(() -> WorkerContext.poolIndex().orElse(-1),
                    TaskOptions.<Integer>builder().timeout(Deadlines.LONG).build())) == 1);
            List<Integer> out = pool.map((Integer x) -> x, IntStream.range(1, 200).boxed().collect(Collectors.toList()));

            assertThat(out).hasSize(199);
            for (int i = 0; i < out.size(); i++) {
                assertThat(Math.abs(out.get(i))).isEqualTo(i + 1); // in order, whoever computed it
            }
            assertThat(out).anyMatch(v -> v < 0).as("worker 1 used its override").anyMatch(v -> v > 0);
        }
    }

    /** Many quick tasks, so that the pool's workers count as quick ones (and pipelining is on). */
    private static void warmUp(Pool pool) throws Exception {
        for (int round = 0; round < 3; round++) {
            List<TaskHandle<Integer>> warm = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                warm.add(pool.submit(() -> 1));
            }
            for (TaskHandle<Integer> h : warm) {
                get(h);
            }
        }
    }

    @Test
    void quickTasksDoNotStayBehindASlowOneWhileAnotherWorkerIsFree(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(options(2).minWorkers(2).build())) {
            warmUp(pool);
            TaskHandle<String> slow = pool.submit(waitFor(gate, "slow"));
            TaskHandle<String> medium = pool.submit(() -> {
                Thread.sleep(300);
                return "medium";
            });
            List<TaskHandle<Integer>> quick = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                quick.add(pool.submit(() -> 1));
            }
            try {
                for (TaskHandle<Integer> h : quick) {
                    assertThat(get(h)).isEqualTo(1);
                }
                assertThat(get(medium)).isEqualTo("medium");
                assertThat(slow.state()).as("the slow task is still running").isEqualTo(TaskState.RUNNING);
                assertThat(quick).allMatch(h -> h.attempts() == 1);
            } finally {
                Files.createFile(gate);
            }
            assertThat(get(slow)).isEqualTo("slow");
        }
    }

    @Test
    void queueCapacityCountsTasksWaitingInsideABusyWorker(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(options(1).minWorkers(1).queueCapacity(1).build())) {
            warmUp(pool);
            TaskHandle<String> slow = pool.submit(waitFor(gate, "slow"));
            await().atMost(Deadlines.LONG).until(() -> slow.state() == TaskState.RUNNING);
            TaskHandle<Integer> waiting = pool.submit(() -> 2);
            assertThat(pool.isFull()).as("one task waits, wherever it waits").isTrue();

            CountDownLatch submitted = new CountDownLatch(1);
            Thread submitter = new Thread(() -> {
                pool.submit(() -> 3);
                submitted.countDown();
            });
            submitter.start();
            assertThat(submitted.await(200, TimeUnit.MILLISECONDS)).as("blocked while one task waits").isFalse();
            Files.createFile(gate);
            assertThat(submitted.await(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            submitter.join();
            assertThat(get(waiting)).isEqualTo(2);
        }
    }

    @Test
    void awaitBatchSeesABatchEndAfterShutdownClear(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(options(1).build())) {
            Batch<String> batch = pool.submitBatch(List.of(waitFor(gate, "a")));
            await().atMost(Deadlines.LONG).until(() -> batch.tasks().get(0).state() == TaskState.RUNNING);
            pool.shutdownClear();
            Files.createFile(gate);

            assertThat(get(batch.tasks().get(0))).isEqualTo("a");
            assertThat(pool.awaitBatch(batch.id(), Deadlines.LONG)).isTrue();
            assertThat(pool.fetchResults()).isEmpty();
        }
    }

    @Test
    void aReplacementWorkerKeepsTheIndexAndOverrideOfTheWorkerItReplaces() throws Exception {
        try (Pool pool = Pool.create(options(2).minWorkers(2).workerTypes(WorkerType.THREAD)
                .functionOverride(1, (Integer x) -> -x).build())) {
            pool.restartWorkers();
            await().atMost(Deadlines.LONG).until(() -> pool.stats().workersStarted() == 4 && pool.stats().workersAlive() == 2);

            List<Integer> out = pool.map((Integer x) -> x, IntStream.range(1, 65).boxed().collect(Collectors.toList()));

            assertThat(out).as("worker 1's replacement still applies worker 1's override").anyMatch(v -> v < 0);
            List<TaskHandle<Integer>> who = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                who.add(pool.submit(() -> WorkerContext.poolIndex().orElse(-1)));
            }
            for (TaskHandle<Integer> h : who) {
                assertThat(get(h)).isIn(0, 1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"THREAD", "PROCESS"})
    void tasksAskedBackFromABusyWorkerAreNeverInterrupted(WorkerType type) throws Exception {
        try (Pool pool = Pool.create(options(2).minWorkers(2).workerTypes(type).build())) {
            List<TaskHandle<Integer>> hs = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                int sleep = i % 4; // quick and slightly slow tasks mixed: pipelining, then asking back
                hs.add(pool.submit(() -> {
                    Thread.sleep(sleep);
                    return sleep;
                }));
            }
            for (TaskHandle<Integer> h : hs) {
                get(h); // an interrupted task would fail here with InterruptedException
            }
            assertThat(pool.stats().completed()).isEqualTo(1500);
        }
    }

    @Test
    void unserializableTasksAreRefusedAtSubmit() throws Exception {
        try (Pool pool = Pool.create(options(1).build())) {
            Misbehave.Opaque opaque = new Misbehave.Opaque();
            assertThatThrownBy(() -> pool.submit(opaque::toString)).isInstanceOf(TaskNotSerializableException.class)
                    .hasMessageContaining(Misbehave.Opaque.class.getName());
            assertThat(pool.stats().submitted()).isZero();
        }
    }

    @Test
    void mapKeepsInputOrderAndChunksLargeInputs() throws Exception {
        try (Pool pool = Pool.create(options(2).build())) {
            List<Integer> in = IntStream.range(0, 10_000).boxed().collect(Collectors.toList());

            List<Integer> out = pool.map((Integer x) -> x * 2, in);

            assertThat(out).hasSize(10_000).startsWith(0, 2, 4).endsWith(19_998);
            assertThat(pool.stats().submitted()).as("chunked, not one task per input").isLessThanOrEqualTo(8);
        }
    }

    @Test
    void mapReportsAFailingInput() throws Exception {
        try (Pool pool = Pool.create(options(2).build())) {
            assertThatThrownBy(() -> pool.map(Misbehave.failOnOdd(), List.of(0, 2, 3, 4)))
                    .isInstanceOf(TaskFailedException.class).hasRootCauseMessage("odd: 3");
        }
    }

    @Test
    void mapUnorderedAndCompletionOrderYieldEachTaskOnceAsItEnds(@TempDir Path dir) throws Exception {
        try (Pool pool = Pool.create(options(2).build())) {
            List<Integer> seen = new ArrayList<>();
            pool.mapUnordered((Integer x) -> x + 1, List.of(1, 2, 3, 4, 5)).forEachRemaining(h -> seen.add(h.future().join()));
            assertThat(seen).containsExactlyInAnyOrder(2, 3, 4, 5, 6);

            Path gate = dir.resolve("gate");
            TaskHandle<String> slow = pool.submit(waitFor(gate, "slow"));
            TaskHandle<String> fast = pool.submit(() -> "fast");
            var order = pool.completionOrder(List.of(slow, fast));
            assertThat(order.next()).isSameAs(fast);
            Files.createFile(gate);
            assertThat(order.next()).isSameAs(slow);
            assertThat(order.hasNext()).isFalse();
        }
    }

    @Test
    void invokeAllWaitsForAllAndInvokeAnyTakesTheFirstSuccess() throws Exception {
        try (Pool pool = Pool.create(options(2).build())) {
            List<TaskHandle<Integer>> all = pool.invokeAll(List.of(() -> 1, () -> {
                throw new IllegalStateException("x");
            }, () -> 3));
            assertThat(all).allMatch(h -> h.state().isTerminal());
            assertThat(all.get(0).future().join()).isEqualTo(1);
            assertThat(all.get(1).state()).isEqualTo(TaskState.FAILED);

            Integer any = pool.invokeAny(List.of(() -> {
                throw new IllegalStateException("first fails");
            }, () -> 2), Deadlines.LONG);
            assertThat(any).isEqualTo(2);
            assertThatThrownBy(() -> pool.invokeAny(List.<Task<Integer>>of(() -> {
                throw new IllegalStateException("all fail");
            }), Deadlines.LONG)).isInstanceOf(ExecutionException.class).hasRootCauseMessage("all fail");
        }
    }

    @Test
    void theExecutorServiceViewHonoursItsContract() throws Exception {
        Pool pool = Pool.create(options(2).build());
        ExecutorService exec = pool.asExecutorService();
        Future<Integer> f = exec.submit((java.util.concurrent.Callable<Integer> & java.io.Serializable) () -> 7);
        assertThat(f.get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(7);
        List<Future<String>> fs = exec.invokeAll(List.of(
                (java.util.concurrent.Callable<String> & java.io.Serializable) () -> "a",
                (java.util.concurrent.Callable<String> & java.io.Serializable) () -> "b"));
        assertThat(fs).extracting(Future::get).containsExactly("a", "b");
        assertThat(exec.invokeAny(List.of((java.util.concurrent.Callable<String> & java.io.Serializable) () -> "z"))).isEqualTo("z");

        exec.shutdown();

        assertThat(exec.isShutdown()).isTrue();
        assertThatThrownBy(() -> exec.submit((java.util.concurrent.Callable<Integer> & java.io.Serializable) () -> 1))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(exec.awaitTermination(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(exec.isTerminated()).isTrue();
    }

    @Test
    void aFullQueueBlocksTheSubmitterUntilThereIsRoom(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(options(1).minWorkers(1).queueCapacity(2).build())) {
            TaskHandle<String> running = pool.submit(waitFor(gate, "r"));
            await().atMost(Deadlines.LONG).until(() -> running.state() == TaskState.RUNNING);
            pool.submit(() -> "q1", TaskOptions.<String>builder().timeout(Deadlines.LONG).build());
            pool.submit(() -> "q2", TaskOptions.<String>builder().timeout(Deadlines.LONG).build());
            assertThat(pool.isFull()).isTrue();
            assertThat(pool.hasFreeSlots()).isFalse();

            CountDownLatch submitted = new CountDownLatch(1);
            Thread submitter = new Thread(() -> {
                pool.submit(() -> "q3");
                submitted.countDown();
            });
            submitter.start();
            assertThat(submitted.await(200, TimeUnit.MILLISECONDS)).as("blocked while full").isFalse();

            Files.createFile(gate);

            assertThat(submitted.await(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            submitter.join();
            assertThat(pool.join(Deadlines.LONG)).isTrue();
            assertThat(pool.stats().completed()).isEqualTo(4);
        }
    }

    @Test
    void abortAndCallerRunsPoliciesActWhenFull(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(options(1).minWorkers(1).queueCapacity(1).rejectionPolicy(RejectionPolicy.ABORT).build())) {
            TaskHandle<String> running = pool.submit(waitFor(gate, "r"));
            await().atMost(Deadlines.LONG).until(() -> running.state() == TaskState.RUNNING);
            pool.submit(() -> "queued", TaskOptions.<String>builder().timeout(Deadlines.LONG).build());

            assertThatThrownBy(() -> pool.submit(() -> "too many")).isInstanceOf(TaskRejectedException.class)
                    .hasMessageContaining("full");
            Files.createFile(gate);
        }
        Path gate2 = dir.resolve("gate2");
        try (Pool pool = Pool.create(options(1).minWorkers(1).queueCapacity(1).rejectionPolicy(RejectionPolicy.CALLER_RUNS).build())) {
            TaskHandle<String> running = pool.submit(waitFor(gate2, "r"));
            await().atMost(Deadlines.LONG).until(() -> running.state() == TaskState.RUNNING);
            pool.submit(() -> "queued", TaskOptions.<String>builder().timeout(Deadlines.LONG).build());

            TaskHandle<Long> ranHere = pool.submit(() -> ProcessHandle.current().pid());

            assertThat(ranHere.state()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(get(ranHere)).isEqualTo(ProcessHandle.current().pid());
            Files.createFile(gate2);
        }
    }

    @Test
    void thePoolGrowsToMaxUnderLoadAndShrinksToMinWhenIdle(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(options(3).minWorkers(1).idleTimeout(Duration.ofMillis(300)).build())) {
            assertThat(pool.stats().workersAlive()).isEqualTo(1);
            List<TaskHandle<String>> hs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                hs.add(pool.submit(waitFor(gate, "x"), TaskOptions.<String>builder().timeout(Deadlines.LONG).build()));
            }
            await().atMost(Deadlines.LONG).until(() -> hs.stream().allMatch(h -> h.state() == TaskState.RUNNING));
            assertThat(pool.stats().workersAlive()).isEqualTo(3);
            Files.createFile(gate);
            for (TaskHandle<String> h : hs) {
                get(h);
            }

            await().atMost(Deadlines.LONG).until(() -> pool.stats().workersAlive() == 1);
            assertThat(pool.stats().workersRecycled()).isEqualTo(2);
            assertThat(get(pool.submit(() -> "still serving"))).isEqualTo("still serving");
        }
    }

    @Test
    void aWorkerIsReplacedAfterMaxTasks() throws Exception {
        try (Pool pool = Pool.create(options(1).maxTasksPerWorker(3).build())) {
            Set<Long> pids = new java.util.TreeSet<>();
            for (int i = 0; i < 7; i++) {
                pids.add(get(pool.submit(() -> ProcessHandle.current().pid())));
            }
            assertThat(pids).hasSize(3); // 3 + 3 + 1
            assertThat(pool.stats().workersRecycled()).isGreaterThanOrEqualTo(2);
            assertThat(pool.stats().workersDied()).isZero();
        }
    }

    @Test
    void aWorkerOverTheMemoryLimitIsReplacedAfterItsTask() throws Exception {
        try (Pool pool = Pool.create(options(1).memoryLimitBytes(150L << 20).build())) {
            long small = get(pool.submit(() -> ProcessHandle.current().pid()));
            long bloated = get(pool.submit(() -> {
                byte[][] keep = new byte[40][];
                for (int i = 0; i < keep.length; i++) {
                    keep[i] = new byte[5 << 20];
                    java.util.Arrays.fill(keep[i], (byte) 1);
                }
                Misbehave.RETAINED.add(keep);
                return ProcessHandle.current().pid();
            }));
            assertThat(bloated).isEqualTo(small);
            long next = get(pool.submit(() -> ProcessHandle.current().pid()));

            assertThat(next).as("a new process after the bloated task").isNotEqualTo(bloated);
            assertThat(pool.stats().workersRecycled()).isEqualTo(1);
        }
    }

    @Test
    void aTimedOutSpinningTaskHasItsProcessKilledAndReplaced() throws Exception {
        try (Pool pool = Pool.create(options(1).build())) {
            long pid = get(pool.submit(() -> ProcessHandle.current().pid()));
            TaskHandle<String> spin = pool.submit(Misbehave.spinIgnoringInterrupts(),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(300)).build());

            assertThat(failure(spin)).isInstanceOf(TaskTimeoutException.class).hasMessageContaining("PT0.3S");
            assertThat(spin.state()).isEqualTo(TaskState.TIMED_OUT);
            await("the timed-out process to be gone").atMost(Deadlines.SHORT).until(() -> !LeakCheck.isRunning(pid));
            assertThat(get(pool.submit(() -> ProcessHandle.current().pid()))).isNotEqualTo(pid);
            assertThat(pool.stats().timedOut()).isEqualTo(1);
        }
    }

    @Test
    void aTimedOutTaskIgnoringSigtermIsKilled() throws Exception {
        try (Pool pool = Pool.create(options(1).build())) {
            long pid = get(pool.submit(() -> ProcessHandle.current().pid()));
            TaskHandle<String> stubborn = pool.submit(Misbehave.ignoreSigtermAndSpin(),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(300)).build());

            assertThat(failure(stubborn)).isInstanceOf(TaskTimeoutException.class);
            await().atMost(Deadlines.SHORT).until(() -> !LeakCheck.isRunning(pid));
        }
    }

    @Test
    void aTimedOutTaskBlockedInNativeCodeIsStopped(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        try (Pool pool = Pool.create(options(1).build())) {
            long pid = get(pool.submit(() -> ProcessHandle.current().pid()));
            TaskHandle<String> blocked = pool.submit(Misbehave.blockInNative(fifo.toString()),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(300)).build());

            assertThat(failure(blocked)).isInstanceOf(TaskTimeoutException.class);
            await().atMost(Deadlines.SHORT).until(() -> !LeakCheck.isRunning(pid));
        }
    }

    @Test
    void aTimedOutThreadTaskIsAbandonedAndItsWorkerReplaced() throws Exception {
        try (Pool pool = Pool.create(options(1).workerTypes(WorkerType.THREAD).build())) {
            TaskHandle<String> spin = pool.submit(Misbehave.spinIgnoringInterrupts(),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(200)).build());

            assertThat(failure(spin)).isInstanceOf(TaskTimeoutException.class);
            assertThat(get(pool.submit(() -> "next"))).isEqualTo("next");
        }
    }

    @Test
    void aTimedOutTaskIsRetriedAsManyTimesAsAskedThenTimesOut() throws Exception {
        try (Pool pool = Pool.create(options(1).build())) {
            TaskHandle<String> spin = pool.submit(Misbehave.spinIgnoringInterrupts(),
                    TaskOptions.<String>builder().timeout(Duration.ofMillis(200)).retriesOnTimeout(2).build());

            assertThat(failure(spin)).isInstanceOf(TaskTimeoutException.class).hasMessageContaining("attempt 3");
            assertThat(spin.attempts()).isEqualTo(3);
            assertThat(pool.stats().retried()).isEqualTo(2);
            assertThat(pool.stats().timedOut()).isEqualTo(1);
        }
    }

    @Test
    void aWorkerKilledFromOutsideFailsOnlyItsTaskAndIsReplaced(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        String pidFile = dir.resolve("victim.pid").toString();
        try (Pool pool = Pool.create(options(2).minWorkers(2).build())) {
            TaskHandle<Long> victim = pool.submit(() -> {
                Files.writeString(Path.of(pidFile + ".tmp"), Long.toString(ProcessHandle.current().pid()));
                Files.move(Path.of(pidFile + ".tmp"), Path.of(pidFile));
                Thread.sleep(Long.MAX_VALUE);
                return 0L;
            }, TaskOptions.<Long>builder().timeout(Deadlines.LONG).build());
            TaskHandle<String> other = pool.submit(waitFor(gate, "other"), TaskOptions.<String>builder().timeout(Deadlines.LONG).build());
            await().atMost(Deadlines.LONG).until(() -> Files.exists(Path.of(pidFile)) && other.state() == TaskState.RUNNING);
            long victimPid = Long.parseLong(Files.readString(Path.of(pidFile)));

            ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();

            assertThat(failure(victim)).isInstanceOf(WorkerDiedException.class).hasMessageContaining("SIGKILL");
            Files.createFile(gate);
            assertThat(get(other)).isEqualTo("other");
            assertThat(get(pool.submit(() -> "after"))).isEqualTo("after");
            assertThat(pool.stats().workersDied()).isEqualTo(1);
        }
    }

    @Test
    void aWorkerThatExitsMidTaskCanRetryTheTaskElsewhere() throws Exception {
        try (Pool pool = Pool.create(options(1).build())) {
            String marker = Files.createTempFile("procpool-retry", "").toString();
            TaskHandle<String> flaky = pool.submit(() -> {
                Path m = Path.of(marker);
                if (Files.size(m) == 0) {
                    Files.writeString(m, "died once");
                    System.exit(9);
                }
                return "second try";
            }, TaskOptions.<String>builder().retriesOnWorkerDeath(1).build());

            assertThat(get(flaky)).isEqualTo("second try");
            assertThat(flaky.attempts()).isEqualTo(2);
            assertThat(pool.stats().retried()).isEqualTo(1);
            Files.delete(Path.of(marker));
        }
    }

    @Test
    void cancellingAQueuedTaskMeansItNeverRunsAndARunningOneIsStopped(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (Pool pool = Pool.create(options(1).minWorkers(1).build())) {
            TaskHandle<String> running = pool.submit(Misbehave.spinIgnoringInterrupts(),
                    TaskOptions.<String>builder().timeout(Deadlines.LONG).build());
            await().atMost(Deadlines.LONG).until(() -> running.state() == TaskState.RUNNING);
            TaskHandle<String> queued = pool.submit(waitFor(gate, "never"));

            assertThat(queued.cancel()).isTrue();
            assertThat(queued.state()).isEqualTo(TaskState.CANCELLED);
            assertThat(running.cancel()).isTrue();
            assertThat(running.cancel()).isFalse();

            assertThat(failure(running)).isInstanceOf(CancellationException.class);
            assertThat(get(pool.submit(() -> "goes on"))).isEqualTo("goes on");
            assertThat(pool.stats().cancelled()).isEqualTo(2);
        }
    }

    @Test
    void callbacksRunTaskFirstThenPoolAndAThrowingOneDoesNotHurt() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        try (Pool pool = Pool.create(options(1)
                .onResult((task, value) -> calls.add("pool " + value))
                .onError((task, error) -> calls.add("pool error " + error.getClass().getSimpleName()))
                .build())) {
            get(pool.submit(() -> 1, TaskOptions.<Integer>builder().onResult(v -> {
                calls.add("task " + v);
                throw new IllegalStateException("callback blew up");
            }).build()));
            failure(pool.submit(() -> {
                throw new IllegalArgumentException("x");
            }, TaskOptions.builder().onError(e -> calls.add("task error")).build()));
            get(pool.submit(() -> 3, TaskOptions.<Integer>builder().skipPoolCallbacks().build()));
            pool.processAllResults();

            assertThat(calls).containsExactly("task 1", "pool 1", "task error", "pool error IllegalArgumentException");
        }
    }

    @Test
    void onDemandCallbacksRunOnlyWhenAskedInTheCallersThread() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        try (Pool pool = Pool.create(options(1).callbackMode(CallbackMode.ON_DEMAND)
                .onResult((task, value) -> threads.add(Thread.currentThread().getName())).build())) {
            get(pool.submit(() -> 1));
            get(pool.submit(() -> 2));
            assertThat(threads).isEmpty();

            assertThat(pool.processResults()).isEqualTo(2);
            pool.submit(() -> 3);
            assertThat(pool.processAllResults()).isEqualTo(1);

            assertThat(threads).hasSize(3).allMatch(n -> n.equals(Thread.currentThread().getName()));
        }
    }

    @Test
    @SuppressWarnings("divzero") // the failing task of the batch
    void batchesReturnAtOnceAndKeepTheirResultsAndErrorsTogether() throws Exception {
        try (Pool pool = Pool.create(options(2).build())) {
            Batch<Integer> b1 = pool.submitBatch(List.of(() -> 4 / 2, () -> 12 / 3));
            Batch<Integer> b2 = pool.submitBatch(List.of(() -> 1 / 0));
            assertThat(pool.awaitBatch(b1.id(), Deadlines.LONG)).isTrue();
            assertThat(pool.awaitBatch(b2.id(), Deadlines.LONG)).isTrue();

            List<BatchResult<Integer>> r1 = pool.fetchResults(b1.id());
            assertThat(r1).extracting(BatchResult::value).containsExactlyInAnyOrder(2, 4);
            assertThat(r1).allMatch(r -> r.batchId() == b1.id() && r.succeeded());
            List<BatchResult<?>> rest = pool.fetchResults();
            assertThat(rest).singleElement().satisfies(r -> {
                assertThat(r.batchId()).isEqualTo(b2.id());
                assertThat(r.error()).get().isInstanceOf(ArithmeticException.class);
            });
            assertThat(pool.fetchResults()).isEmpty();
            assertThat(b1.tasks()).allMatch(h -> h.batchId().getAsLong() == b1.id());
        }
    }

    @Test
    void shutdownFinishesQueuedWorkThenStopsTheWorkers() throws Exception {
        Pool pool = Pool.create(options(1).build());
        List<TaskHandle<Integer>> hs = IntStream.range(0, 20).mapToObj(i -> pool.submit(() -> i)).collect(Collectors.toList());

        pool.shutdown();

        assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(TaskRejectedException.class).hasMessageContaining("shut down");
        assertThat(pool.awaitTermination(Deadlines.LONG)).isTrue();
        assertThat(hs).allMatch(h -> h.state() == TaskState.SUCCEEDED);
        assertThat(pool.stats().workersAlive()).isZero();
    }

    @Test
    void shutdownClearDropsResultsNotFetched() throws Exception {
        Pool pool = Pool.create(options(1).build());
        Batch<Integer> b = pool.submitBatch(List.of(() -> 1, () -> 2));
        pool.awaitBatch(b.id(), Deadlines.LONG);

        pool.shutdownClear();

        assertThat(pool.fetchResults()).isEmpty();
        assertThat(pool.awaitTermination(Deadlines.LONG)).isTrue();
    }

    @Test
    void shutdownNowReturnsWhatNeverStartedAndStopsWhatRuns(@TempDir Path dir) throws Exception {
        Pool pool = Pool.create(options(1).minWorkers(1).build());
        TaskHandle<String> running = pool.submit(Misbehave.spinIgnoringInterrupts(),
                TaskOptions.<String>builder().timeout(Deadlines.LONG).build());
        await().atMost(Deadlines.LONG).until(() -> running.state() == TaskState.RUNNING);
        List<TaskHandle<String>> queued = List.of(pool.submit(() -> "a"), pool.submit(() -> "b"));

        List<Task<?>> neverStarted = pool.shutdownNow();

        assertThat(neverStarted).hasSize(2);
        assertThat(queued).allMatch(h -> h.state() == TaskState.CANCELLED);
        assertThat(failure(running)).isInstanceOf(CancellationException.class);
        assertThat(pool.awaitTermination(Deadlines.LONG)).isTrue();
        PoolStats s = pool.stats();
        assertThat(s.submitted()).isEqualTo(s.completed() + s.failed() + s.timedOut() + s.cancelled());
    }

    @Test
    void joinReportsWhetherEverythingFinishedOrStopsTheRest() throws Exception {
        try (Pool pool = Pool.create(options(2).build())) {
            pool.submit(() -> 1);
            assertThat(pool.join(Deadlines.LONG)).isTrue();
            assertThat(pool.isShutdown()).isFalse();

            TaskHandle<String> endless = pool.submit(Misbehave.spinIgnoringInterrupts());
            assertThat(pool.join(Duration.ofMillis(300))).isFalse();
            assertThat(failure(endless)).isInstanceOf(CancellationException.class);
            assertThat(pool.awaitTermination(Deadlines.LONG)).isTrue();
        }
    }

    @Test
    void closeIsGracefulWithABoundedWait() throws Exception {
        Pool pool = Pool.create(options(1).minWorkers(1).closeTimeout(Duration.ofMillis(300)).build());
        // the worker is up first: the bound is for the tasks, not for a JVM start on a loaded machine
        assertThat(get(pool.submit(() -> 0))).isZero();
        TaskHandle<Integer> quick = pool.submit(() -> 5);
        TaskHandle<String> endless = pool.submit(Misbehave.spinIgnoringInterrupts());

        pool.close();

        assertThat(quick.state()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(endless.state()).isEqualTo(TaskState.CANCELLED);
        assertThat(pool.isTerminated()).isTrue();
    }

    @Test
    void restartWorkersReplacesEveryWorker() throws Exception {
        try (Pool pool = Pool.create(options(1).minWorkers(1).build())) {
            long before = get(pool.submit(() -> ProcessHandle.current().pid()));
            pool.restartWorkers();
            long after = get(pool.submit(() -> ProcessHandle.current().pid()));
            assertThat(after).isNotEqualTo(before);
            await().atMost(Deadlines.SHORT).until(() -> !LeakCheck.isRunning(before));
        }
    }

    @Test
    void statisticsAddUpAndShowInToString() throws Exception {
        try (Pool pool = Pool.create(options(2).name("counted").build())) {
            get(pool.submit(() -> 1));
            failure(pool.submit(() -> {
                throw new IllegalStateException();
            }));
            PoolStats s = pool.stats();
            assertThat(s.submitted()).isEqualTo(2);
            assertThat(s.completed()).isEqualTo(1);
            assertThat(s.failed()).isEqualTo(1);
            assertThat(pool.toString()).contains("counted").contains("completed=1").contains("failed=1");
        }
    }

    @Test
    void aWorkerThatCannotStartFailsTheQueueClearly() throws Exception {
        try (Pool pool = Pool.create(options(1).workerOptions(QUIET.toBuilder().javaExecutable(Path.of("/no/such/java")).build()).build())) {
            TaskHandle<Integer> h = pool.submit(() -> 1);
            assertThat(failure(h)).hasMessageContaining("/no/such/java");
        }
        assertThatThrownBy(() -> Pool.create(options(1).minWorkers(1)
                .workerOptions(QUIET.toBuilder().javaExecutable(Path.of("/no/such/java")).build()).build()))
                .isInstanceOf(WorkerStartException.class);
    }

    @Test
    void badOptionsAreRefusedEarly() {
        assertThatThrownBy(() -> PoolOptions.builder().minWorkers(3).maxWorkers(2).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minWorkers 3 exceeds maxWorkers 2");
        assertThatThrownBy(() -> PoolOptions.builder().queueCapacity(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TaskOptions.builder().timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PoolOptions.builder().workerTypes(WorkerType.THREAD, null))
                .isInstanceOf(NullPointerException.class);
    }
}
