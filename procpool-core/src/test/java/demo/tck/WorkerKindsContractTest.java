package demo.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import demo.tck.Probes.Blocker;
import demo.tck.Probes.Refused;
import demo.tck.Probes.Throws;
import demo.tck.Probes.Touch;
import demo.tck.Probes.Value;
import dev.procpool.FailureContext;
import dev.procpool.OutputHandler;
import dev.procpool.PersistentWorker;
import dev.procpool.Pool;
import dev.procpool.PoolOptions;
import dev.procpool.RemoteThrowable;
import dev.procpool.TaskFailedException;
import dev.procpool.TaskFunction;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerTerminatedException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import dev.procpool.testing.Deadlines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java contracts a user relies on, on every kind of worker (a thread, a child JVM, a remote
 * worker through a worker-server in this JVM), tried from outside {@code dev.procpool}: cancel
 * before and while running, an interrupted invokeAll, the exception rule, and the one exception a
 * persistent worker's stop leaves its unanswered calls with.
 */
@Tag("jvm")
// also waits for what a test abandoned (a thread worker that ignored its stop) to end before the
// test's temporary directory, whose release file that thread waits for, is deleted
@org.junit.jupiter.api.extension.ExtendWith(dev.procpool.testing.LeakCheck.class)
class WorkerKindsContractTest {
    private WorkerServer server;
    private WorkerOptions quiet;
    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws Exception {
        server = WorkerServer.start(WorkerServerOptions.builder()
                .token(dev.procpool.Token.of("contract-test-token-0123456789"))
                .output(OutputHandler.discard()).log(line -> { }).build());
        // a remote worker's values pass an allow-list: the tasks of this package are let in
        quiet = WorkerOptions.builder().output(OutputHandler.discard())
                .remote(server.remoteOptions().allowClasses("demo.tck.**").build()).build();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private Pool onePool(WorkerType type) throws Exception {
        return Pool.create(PoolOptions.builder().name("kinds").minWorkers(1).maxWorkers(1).workerTypes(type)
                .grace(Duration.ofMillis(300)).workerOptions(quiet).build());
    }

    private String file(String name) {
        return Probes.file(dir, name);
    }

    private static void awaitFile(String path) {
        await().atMost(Deadlines.LONG).until(() -> Files.exists(Path.of(path)));
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void aTaskCancelledBeforeItStartsNeverRuns(WorkerType type) throws Exception {
        try (Pool pool = onePool(type)) {
            ExecutorService view = pool.asExecutorService();
            String started = file("started");
            Future<String> blocker = view.submit(new Blocker(started, file("release")));
            awaitFile(started);
            Future<?> queued = view.submit((Runnable) new Touch(file("queued")));

            assertThat(queued.cancel(false)).isTrue();
            assertThat(queued.isCancelled()).isTrue();
            assertThat(queued.isDone()).isTrue();
            assertThatThrownBy(queued::get).isInstanceOf(CancellationException.class);
            queued.cancel(true); // a second cancel changes nothing (true, as CompletableFuture answers)
            assertThat(queued.isCancelled()).isTrue();

            Files.writeString(Path.of(file("release")), "go");
            assertThat(blocker.get(60, TimeUnit.SECONDS)).isEqualTo("released");
            // one worker runs in order: had the cancelled task stayed, it would run before this one
            assertThat(view.submit(new Value<>("after")).get(60, TimeUnit.SECONDS)).isEqualTo("after");
            assertThat(Path.of(file("queued"))).doesNotExist();
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void cancelWithInterruptStopsARunningTaskAndCancelWithoutLetsItFinish(WorkerType type) throws Exception {
        try (Pool pool = onePool(type)) {
            ExecutorService view = pool.asExecutorService();
            String started = file("running");
            Future<String> running = view.submit(new Blocker(started, file("never")));
            awaitFile(started);
            long pid = Probes.pidIn(started);

            assertThat(running.cancel(true)).isTrue();
            assertThatThrownBy(running::get).isInstanceOf(CancellationException.class);
            if (type == WorkerType.THREAD) {
                awaitFile(started + ".interrupted"); // the task saw the interrupt
            } else {
                await().atMost(Deadlines.LONG).until(() -> !alive(pid)); // its process is gone
            }
            assertThat(view.submit(new Value<>("replaced")).get(60, TimeUnit.SECONDS)).isEqualTo("replaced");

            // without mayInterruptIfRunning the task goes on in the same worker; its outcome is dropped
            String second = file("second");
            Future<String> lets = view.submit(new Blocker(second, file("release-second")));
            awaitFile(second);
            long secondPid = Probes.pidIn(second);
            assertThat(lets.cancel(false)).isTrue();
            assertThatThrownBy(lets::get).isInstanceOf(CancellationException.class);
            Files.writeString(Path.of(file("release-second")), "go");
            String third = file("third");
            Future<String> next = view.submit(new Blocker(third, file("release-second")));
            assertThat(next.get(60, TimeUnit.SECONDS)).isEqualTo("released");
            assertThat(Probes.pidIn(third)).isEqualTo(secondPid);
            assertThat(Path.of(second + ".interrupted")).doesNotExist();
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void anInterruptedInvokeAllCancelsEveryUnfinishedTask(WorkerType type) throws Exception {
        for (boolean timed : new boolean[] {false, true}) {
            try (Pool pool = onePool(type)) {
                ExecutorService view = pool.asExecutorService();
                String started = file("inv-" + timed);
                List<Callable<String>> tasks = List.of(new Blocker(started, file("never")),
                        new Touch(file("inv-queued-" + timed)));
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread caller = new Thread(() -> {
                    try {
                        List<Future<String>> unused = timed ? view.invokeAll(tasks, 120, TimeUnit.SECONDS)
                                : view.invokeAll(tasks);
                        thrown.set(new AssertionError("returned " + unused));
                    } catch (Throwable t) {
                        thrown.set(t);
                    }
                });
                caller.start();
                awaitFile(started);
                long pid = Probes.pidIn(started);
                caller.interrupt();
                caller.join(Deadlines.LONG.toMillis());
                assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
                view.shutdown();
                assertThat(view.awaitTermination(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
                assertThat(Path.of(file("inv-queued-" + timed))).doesNotExist();
                if (type != WorkerType.THREAD) {
                    await().atMost(Deadlines.SHORT).until(() -> !alive(pid));
                } else {
                    assertThat(Path.of(started + ".interrupted")).exists();
                }
            }
        }
    }

    /** An exception that cannot travel: it holds an object that is not serializable. */
    static final class NotTravelling extends Exception {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("unused")
        private final Object opaque = new Object();

        NotTravelling(String message) {
            super(message);
        }
    }

    record ThrowsNotTravelling() implements Callable<String>, java.io.Serializable {
        @Override
        public String call() throws NotTravelling {
            throw new NotTravelling("stays home");
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void everyPathGivesTheTasksOwnExceptionWithWhereItRanBesideIt(WorkerType type) throws Exception {
        try (Pool pool = onePool(type)) {
            ExecutorService view = pool.asExecutorService();
            // the ExecutorService view and TaskHandle.future(): get() and join()
            Future<String> f = view.submit(new Throws("own"));
            Throwable own = causeOf(f);
            assertThat(own).isInstanceOf(Refused.class).hasMessage("own");
            assertThat(own.getStackTrace()).anyMatch(e -> e.getClassName().equals(Throws.class.getName()));
            FailureContext where = FailureContext.of(own).orElseThrow();
            assertThat(where.workerName()).startsWith("kinds-");
            assertThat(where.taskId()).isPresent();
            if (type == WorkerType.THREAD) {
                assertThat(where.pid()).isEqualTo(ProcessHandle.current().pid());
            } else {
                assertThat(where.pid()).isNotEqualTo(ProcessHandle.current().pid());
            }
            assertThatThrownBy(() -> pool.submit(() -> {
                throw new Refused("joined");
            }).future().join()).isInstanceOf(CompletionException.class).cause().isInstanceOf(Refused.class);
            // invokeAny: the cause of its ExecutionException
            assertThatThrownBy(() -> view.invokeAny(List.of(new Throws("any")))).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(Refused.class).hasMessage("any");
            // map returns values, so it cannot throw a checked exception: TaskFailedException, same cause
            TaskFunction<Integer, Integer> refuseTwo = x -> {
                if (x == 2) {
                    throw new Refused("two");
                }
                return x;
            };
            assertThatThrownBy(() -> pool.map(refuseTwo, List.of(1, 2, 3))).isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(Refused.class).hasMessage("two");
            // an exception that cannot travel: itself on a thread, a RemoteThrowable from a process
            Throwable stayed = causeOf(view.submit(new ThrowsNotTravelling()));
            if (type == WorkerType.THREAD) {
                assertThat(stayed).isInstanceOf(NotTravelling.class);
            } else {
                assertThat(stayed).isInstanceOf(RemoteThrowable.class).hasMessage("stays home");
                assertThat(((RemoteThrowable) stayed).remoteClassName()).isEqualTo(NotTravelling.class.getName());
            }
            assertThat(stayed.getStackTrace())
                    .anyMatch(e -> e.getClassName().equals(ThrowsNotTravelling.class.getName()));
        }
        // a worker of its own: its future gives the task's exception, result() wraps it
        Worker<String> w = Workers.start(type, () -> {
            throw new Refused("worker");
        }, quiet);
        assertThat(w.await(Deadlines.LONG)).isTrue();
        Throwable own = causeOf(w.future());
        assertThat(own).isInstanceOf(Refused.class).hasMessage("worker");
        assertThat(FailureContext.of(own)).get().extracting(FailureContext::workerName).isEqualTo(w.name());
        assertThatThrownBy(w::result).isInstanceOf(TaskFailedException.class).cause().isSameAs(own);
    }

    private static Throwable causeOf(Future<?> f) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("did not fail");
    }

    /** Waits for {@code release} to exist, ignoring interrupts unless told otherwise. */
    record Wait(String started, String release, boolean ignoreInterrupts) implements TaskFunction<Integer, Integer> {
        @Override
        public Integer apply(Integer x) throws Exception {
            Probes.writeAtomically(started + x, Long.toString(ProcessHandle.current().pid()));
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!Files.exists(Path.of(release)) && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    if (!ignoreInterrupts) {
                        throw e;
                    }
                }
            }
            return x;
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void aStoppedPersistentWorkerEndsEveryUnansweredCallWithWorkerTerminatedException(WorkerType type)
            throws Exception {
        for (boolean escalated : new boolean[] {false, true}) {
            String started = file("p-" + escalated + "-");
            String release = file("p-release-" + escalated);
            PersistentWorker<Integer, Integer> w = Workers.persistent(type, new Wait(started, release, escalated), quiet);
            try {
                w.enqueue(1);
                w.enqueue(2);
                w.enqueue(3);
                awaitFile(started + 1);
                // gentle: the task ends on the interrupt; escalated: it ignores it, so a signal
                // ends the process (a thread is abandoned)
                w.terminate(Duration.ofMillis(300));
                for (int i = 1; i <= 3; i++) {
                    assertThatThrownBy(() -> w.nextResult(Duration.ZERO)).as("call %d, escalated %s", i, escalated)
                            .isInstanceOf(WorkerTerminatedException.class);
                }
            } finally {
                Files.writeString(Path.of(release), "go"); // an abandoned thread ends too
            }
        }
    }

    /** A process's state letter from /proc (R, S, T, ...). */
    private static char stateOf(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /** Returns the pid of the process it runs in. */
    record Pid() implements Callable<Long>, java.io.Serializable {
        @Override
        public Long call() {
            return ProcessHandle.current().pid();
        }
    }

    /**
     * A thread cannot be stopped with a signal, so this one is for the kinds that are processes:
     * a task sent to an idle worker that was frozen (SIGSTOP) and then declared dead (heartbeats
     * unanswered) was never read there, so it runs elsewhere, whatever retriesOnWorkerDeath says
     * (here none), and its attempt is not counted.
     */
    @ParameterizedTest
    @EnumSource(names = {"PROCESS", "REMOTE"})
    void aTaskAFrozenWorkerNeverReadRunsElsewhereAsNotAttempted(WorkerType type) throws Exception {
        WorkerOptions heartbeats = quiet.toBuilder().heartbeat(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
        try (Pool pool = Pool.create(PoolOptions.builder().name("frozen").minWorkers(1).maxWorkers(1).workerTypes(type)
                .workerOptions(heartbeats).build())) {
            long frozen = pool.submit(new Pid()::call).future().get(60, TimeUnit.SECONDS);
            // idle, and it has answered heartbeats: then frozen
            Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(frozen)).start();
            assertThat(stop.waitFor()).isZero();
            // a signal is delivered asynchronously: wait until the kernel shows it stopped
            await().atMost(Deadlines.SHORT).until(() -> stateOf(frozen) == 'T');
            try {
                var handle = pool.submit(new Pid()::call);
                long ranOn = handle.future().get(60, TimeUnit.SECONDS);
                assertThat(ranOn).isNotEqualTo(frozen);
                assertThat(handle.attempts()).isEqualTo(1);
                assertThat(pool.stats().retried()).isZero();
                await().atMost(Deadlines.LONG).until(() -> !alive(frozen)); // declared dead and killed
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(frozen)).start().waitFor();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void plainCallablesRunOnThreadsAndAreNamedWhereTheyCannotCross(WorkerType type) throws Exception {
        java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);
        Callable<Object> plain = () -> {
            latch.countDown();
            return new Object(); // neither the latch nor the result could be serialized
        };
        try (Pool pool = onePool(type)) {
            if (type == WorkerType.THREAD) {
                assertThat(pool.submit(plain).future().get(60, TimeUnit.SECONDS)).isNotNull();
                assertThat(latch.getCount()).isZero();
                Worker<Object> w = Workers.start(type, plain, quiet);
                assertThat(w.await(Deadlines.LONG)).isTrue();
                assertThat(w.result()).isNotNull();
            } else {
                assertThatThrownBy(() -> pool.submit(plain))
                        .isInstanceOf(dev.procpool.TaskNotSerializableException.class)
                        .hasMessageContaining(WorkerKindsContractTest.class.getName()) // the lambda's class
                        .hasMessageContaining("process worker");
                assertThatThrownBy(() -> Workers.start(type, plain, quiet))
                        .isInstanceOf(dev.procpool.TaskNotSerializableException.class)
                        .hasMessageContaining(WorkerKindsContractTest.class.getName());
            }
        }
    }
}
