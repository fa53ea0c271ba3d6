package dev.procpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.testing.Deadlines;
import dev.procpool.testing.LeakCheck;
import dev.procpool.testing.Misbehave;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The uniform API, proven uniform: every test here runs on a thread worker, a process worker and
 * a remote worker (through a worker-server on 127.0.0.1) and expects the same observable behaviour.
 */
@ExtendWith(LeakCheck.class)
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class WorkerBehaviourTest {

    /** Serves the REMOTE cases: a worker-server in this JVM, one per test (so nothing outlives it). */
    private dev.procpool.remote.WorkerServer server;
    /** Quiet options; they carry the server's address, which local kinds ignore. */
    private WorkerOptions quiet;

    @org.junit.jupiter.api.BeforeEach
    void startServer() throws Exception {
        server = dev.procpool.remote.WorkerServer.start(dev.procpool.remote.WorkerServerOptions.builder()
                .token(Token.of("behaviour-test-token-0123456789"))
                .output(OutputHandler.discard()).log(line -> { }).build());
        quiet = WorkerOptions.builder().output(OutputHandler.discard()).remote(server.remoteOptions().build()).build();
    }

    @org.junit.jupiter.api.AfterEach
    void stopServer() {
        server.close();
    }

    static int square(int x) {
        return x * x;
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void oneShotWorkerReturnsItsResult(WorkerType type) throws Exception {
        int base = 40;
        Worker<Integer> w = Workers.start(type, () -> base + 2, quiet);

        assertThat(w.await(Deadlines.LONG)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
        assertThat(w.result()).isEqualTo(42);
        assertThat(w.hasError()).isFalse();
        assertThat(w.error()).isEmpty();
        assertThat(w.future().get()).isEqualTo(42);
        assertThat(w.exit()).get().extracting(WorkerExit::state).isEqualTo(WorkerState.COMPLETED);
        assertThat(w.isAlive()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void workerIsStartedAndIdentifiedAsSoonAsItIsCreated(WorkerType type) throws Exception {
        Worker<String> w = Workers.start(type, Misbehave.hang(),
                quiet.toBuilder().name("identified").build());
        try {
            assertThat(w.name()).isEqualTo("identified");
            assertThat(w.type()).isEqualTo(type);
            assertThat(w.id()).isPositive();
            assertThat(w.host()).isNotBlank();
            assertThat(ProcessHandle.of(w.pid())).isPresent();
            if (type == WorkerType.THREAD) {
                assertThat(w.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(w.launchCommand()).isEmpty();
            } else {
                assertThat(w.pid()).isNotEqualTo(ProcessHandle.current().pid());
                assertThat(w.launchCommand()).get().asString().contains("-Dprocpool.worker=identified");
            }
            org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);
            assertThat(w.threadId()).isPresent();
            assertThat(w.isAlive()).isTrue();
            assertThat(w.await(Duration.ZERO)).isFalse();
            assertThatThrownBy(w::result).isInstanceOf(IllegalStateException.class).hasMessageContaining("RUNNING");
        } finally {
            w.terminate(Deadlines.GRACE);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void defaultNameSaysKindAndId(WorkerType type) throws Exception {
        Worker<Integer> w = Workers.start(type, () -> 1, quiet);
        w.await(Deadlines.LONG);
        assertThat(w.name()).isEqualTo(type.name().toLowerCase() + "-" + w.id());
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void taskExceptionKeepsClassMessageWorkerStackAndCauses(WorkerType type) throws Exception {
        Worker<Object> w = Workers.start(type, () -> {
            throw new IllegalStateException("outer", new java.io.IOException("inner"));
        }, quiet);

        assertThat(w.await(Deadlines.LONG)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.FAILED);
        assertThat(w.hasError()).isTrue();
        Throwable error = w.error().orElseThrow();
        assertThat(error).isInstanceOf(IllegalStateException.class).hasMessage("outer");
        assertThat(error.getCause()).isInstanceOf(java.io.IOException.class).hasMessage("inner");
        assertThat(error.getStackTrace()).anySatisfy(f ->
                assertThat(f.getClassName()).startsWith(WorkerBehaviourTest.class.getName()));
        assertThatThrownBy(w::result).isInstanceOf(TaskFailedException.class).hasCause(error)
                .hasMessageContaining("outer");
        // a future's failure is the task's own exception, with where it ran suppressed beside it
        assertThatThrownBy(() -> w.future().get()).isInstanceOf(ExecutionException.class).cause().isSameAs(error);
        assertThat(FailureContext.of(error)).get().extracting(FailureContext::workerName).isEqualTo(w.name());
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void unserializableExceptionStillReportsClassMessageStackAndCause(WorkerType type) throws Exception {
        Worker<Object> w = Workers.start(type, () -> {
            throw new Misbehave.UnserializableException("cannot travel", new ArithmeticException("root"));
        }, quiet);

        assertThat(w.await(Deadlines.LONG)).isTrue();
        Throwable error = w.error().orElseThrow();
        assertThat(className(error)).isEqualTo(Misbehave.UnserializableException.class.getName());
        assertThat(error).hasMessage("cannot travel");
        assertThat(className(error.getCause())).isEqualTo(ArithmeticException.class.getName());
        assertThat(error.getCause()).hasMessage("root");
        assertThat(error.getStackTrace()).anySatisfy(f ->
                assertThat(f.getClassName()).startsWith(WorkerBehaviourTest.class.getName()));
        if (type != WorkerType.THREAD) { // a process, local or remote
            assertThat(error).isInstanceOf(RemoteThrowable.class)
                    .hasToString(Misbehave.UnserializableException.class.getName() + ": cannot travel");
        }
    }

    private static String className(Throwable t) {
        return t instanceof RemoteThrowable r ? r.remoteClassName() : t.getClass().getName();
    }

    @ParameterizedTest
    @EnumSource(names = {"PROCESS", "REMOTE"}) // a thread takes anything: see threadWorkersTakeObjectsByReference
    void unserializableTaskIsRefusedAtSubmitNamingTheClass(WorkerType type) {
        Misbehave.Opaque opaque = new Misbehave.Opaque();
        int before = LeakCheck.liveDescendants().size();

        assertThatThrownBy(() -> Workers.start(type, opaque::toString, quiet))
                .isInstanceOf(TaskNotSerializableException.class)
                .hasMessageContaining(Misbehave.Opaque.class.getName())
                .extracting(e -> ((TaskNotSerializableException) e).offendingClass())
                .isEqualTo(Misbehave.Opaque.class.getName());
        assertThat(LeakCheck.liveDescendants()).hasSize(before);
    }

    @ParameterizedTest
    @EnumSource(names = {"PROCESS", "REMOTE"}) // a thread takes anything: see threadWorkersTakeObjectsByReference
    void unserializableResultFailsThatCallAndTheWorkerGoesOn(WorkerType type) throws Exception {
        try (PersistentWorker<Integer, Object> w = Workers.persistent(type,
                (Integer x) -> x == 1 ? new Misbehave.Opaque() : x, quiet)) {
            w.enqueue(1);
            w.enqueue(2);

            assertThatThrownBy(() -> w.nextResult(Deadlines.LONG))
                    .isInstanceOf(TaskFailedException.class)
                    .hasRootCauseInstanceOf(java.io.NotSerializableException.class)
                    .cause().isInstanceOf(TaskNotSerializableException.class)
                    .hasMessageContaining(Misbehave.Opaque.class.getName());
            assertThat(w.nextResult(Deadlines.LONG)).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"PROCESS", "REMOTE"}) // a thread takes anything: see threadWorkersTakeObjectsByReference
    void unserializableArgumentIsRefusedAtEnqueue(WorkerType type) throws Exception {
        try (PersistentWorker<Object, String> w = Workers.persistent(type, (Object x) -> "ok", quiet)) {
            assertThatThrownBy(() -> w.enqueue(new Misbehave.ExplodesWhenWritten()))
                    .isInstanceOf(TaskNotSerializableException.class)
                    .hasMessageContaining(Misbehave.Opaque.class.getName());
            assertThat(w.pending()).isZero();
            w.enqueue("fine");
            assertThat(w.nextResult(Deadlines.LONG)).isEqualTo("ok");
        }
    }

    @Test
    void threadWorkersTakeObjectsByReference() throws Exception {
        // nothing crosses a process boundary: no serialization, no copy, anything may be captured
        Misbehave.Opaque opaque = new Misbehave.Opaque();
        Worker<Object> one = Workers.start(WorkerType.THREAD, () -> opaque, quiet);
        assertThat(one.await(Deadlines.LONG)).isTrue();
        assertThat(one.result()).isSameAs(opaque);
        try (PersistentWorker<Object, Object> w = Workers.persistent(WorkerType.THREAD, (Object x) -> x, quiet)) {
            Misbehave.ExplodesWhenWritten argument = new Misbehave.ExplodesWhenWritten();
            w.enqueue(argument);
            assertThat(w.nextResult(Deadlines.LONG)).isSameAs(argument);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void persistentWorkerAnswersInOrderAndCountsItsCalls(WorkerType type) throws Exception {
        PersistentWorker<Integer, Integer> w = Workers.persistent(type, WorkerBehaviourTest::square, quiet);
        for (int i = 0; i < 100; i++) {
            w.enqueue(i);
        }
        assertThat(w.nextResult(Deadlines.LONG)).isZero();
        assertThat(w.nextResult(Deadlines.LONG)).isEqualTo(1);
        w.endInput();
        List<Integer> rest = w.results().collect(Collectors.toList());

        assertThat(rest).hasSize(98).startsWith(4, 9, 16).endsWith(99 * 99);
        assertThat(w.await(Deadlines.LONG)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
        assertThat(w.result()).isEqualTo(100L);
        assertThatThrownBy(() -> w.nextResult(Duration.ZERO)).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> w.enqueue(1)).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void aFailedCallDoesNotStopThePersistentWorker(WorkerType type) throws Exception {
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(type, Misbehave.failOnOdd(), quiet)) {
            for (int i = 0; i < 4; i++) {
                w.enqueue(i);
            }
            w.endInput();
            List<String> outcomes = new ArrayList<>();
            var it = w.resultsIterator();
            while (it.hasNext()) {
                try {
                    outcomes.add("ok " + it.next());
                } catch (TaskFailedException e) {
                    outcomes.add("failed " + e.getCause().getMessage());
                }
            }
            assertThat(outcomes).containsExactly("ok 0", "failed odd: 1", "ok 4", "failed odd: 3");
            assertThat(w.await(Deadlines.LONG)).isTrue();
            assertThat(w.result()).isEqualTo(4L);
            assertThat(w.hasError()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void nextResultTimesOutWhenNothingIsReady(WorkerType type) throws Exception {
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(type, WorkerBehaviourTest::square, quiet)) {
            assertThatThrownBy(() -> w.nextResult(Duration.ZERO)).isInstanceOf(TimeoutException.class);
            assertThatThrownBy(() -> w.nextResult(Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
            w.enqueue(3);
            assertThat(w.nextResult(Deadlines.LONG)).isEqualTo(9);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void terminateInterruptsAHungTask(WorkerType type) throws Exception {
        Worker<String> w = Workers.start(type, Misbehave.hang(), quiet);
        org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);

        w.terminate(Deadlines.LONG);

        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.hasError()).isTrue();
        assertThat(w.isAlive()).isFalse();
        assertThat(w.error()).get().isInstanceOf(WorkerTerminatedException.class);
        assertThat(w.error().orElseThrow().getCause()).isInstanceOf(InterruptedException.class);
        assertThat(w.exit().orElseThrow().description()).contains("terminated on request").contains("interrupted");
        assertThatThrownBy(w::result).isInstanceOf(WorkerTerminatedException.class);
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void terminateStopsATaskThatIgnoresInterrupts(WorkerType type) throws Exception {
        Worker<String> w = Workers.start(type, Misbehave.spinIgnoringInterrupts(), quiet);
        org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);
        long pid = w.pid();

        w.terminate(Deadlines.GRACE);

        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.isAlive()).isFalse();
        String description = w.exit().orElseThrow().description();
        if (type != WorkerType.THREAD) { // a process, local or remote
            assertThat(LeakCheck.isRunning(pid)).isFalse();
            assertThat(w.exit().orElseThrow().signal()).isIn("SIGTERM", "SIGKILL");
            assertThat(description).contains("killed by SIG");
        } else {
            assertThat(description).contains("abandoned");
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void killStopsAtOnce(WorkerType type) throws Exception {
        Worker<String> w = Workers.start(type, Misbehave.spinIgnoringInterrupts(), quiet);
        org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> w.state() == WorkerState.RUNNING);

        w.kill();

        assertThat(w.await(Deadlines.SHORT)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.exit().orElseThrow().description()).contains("kill()");
        if (type != WorkerType.THREAD) { // a process, local or remote
            assertThat(w.exit().orElseThrow().signal()).isEqualTo("SIGKILL");
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void terminateFailsTheCallsNotYetAnswered(WorkerType type, @TempDir Path dir) throws Exception {
        String started = dir.resolve("started").toString();
        PersistentWorker<Long, Long> w = Workers.persistent(type, (Long ms) -> {
            Files.createFile(Path.of(started + ms));
            Thread.sleep(ms);
            return ms;
        }, quiet);
        w.enqueue(0L);
        w.enqueue(Long.MAX_VALUE);
        w.enqueue(1L);
        assertThat(w.nextResult(Deadlines.LONG)).isZero();
        org.awaitility.Awaitility.await().atMost(Deadlines.LONG).until(() -> Files.exists(Path.of(started + Long.MAX_VALUE)));

        w.terminate(Deadlines.GRACE);

        // one type for every call the stop left without a value: the interrupted one (its own
        // exception as the cause) and the one that never started
        assertThatThrownBy(() -> w.nextResult(Duration.ZERO)).isInstanceOf(WorkerTerminatedException.class)
                .hasCauseInstanceOf(InterruptedException.class);
        assertThatThrownBy(() -> w.nextResult(Duration.ZERO)).isInstanceOf(WorkerTerminatedException.class);
        assertThatThrownBy(() -> w.nextResult(Duration.ZERO)).isInstanceOf(NoSuchElementException.class);
        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void closeLetsQueuedCallsFinish(WorkerType type) throws Exception {
        PersistentWorker<Integer, Integer> w = Workers.persistent(type, WorkerBehaviourTest::square, quiet);
        for (int i = 0; i < 10; i++) {
            w.enqueue(i);
        }
        w.close();

        assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
        assertThat(w.result()).isEqualTo(10L);
        assertThat(w.results().collect(Collectors.toList())).hasSize(10).endsWith(81);
        w.close(); // idempotent
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void closeTerminatesWhatOutlivesTheCloseTimeout(WorkerType type) throws Exception {
        Worker<String> w = Workers.start(type, Misbehave.hang(),
                quiet.toBuilder().closeTimeout(Duration.ofMillis(100)).grace(Deadlines.GRACE).build());
        w.close();
        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.exit().orElseThrow().description()).contains("close()");
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void restartReplacesThePersistentWorkerAndKeepsTheObject(WorkerType type) throws Exception {
        PersistentWorker<Integer, Long> w = Workers.persistent(type, (Integer x) -> ProcessHandle.current().pid(), quiet);
        w.enqueue(1);
        long firstPid = w.nextResult(Deadlines.LONG);
        long firstThread = w.threadId().orElseThrow();

        w.restart();

        assertThat(w.state()).isIn(WorkerState.STARTING, WorkerState.RUNNING);
        w.enqueue(2);
        w.enqueue(3);
        long secondPid = w.nextResult(Deadlines.LONG);
        w.nextResult(Deadlines.LONG);
        if (type != WorkerType.THREAD) { // a process, local or remote
            assertThat(secondPid).isNotEqualTo(firstPid);
            assertThat(LeakCheck.isRunning(firstPid)).isFalse();
        } else {
            org.awaitility.Awaitility.await().atMost(Deadlines.SHORT).until(() -> w.threadId().isPresent());
            assertThat(w.threadId().orElseThrow()).isNotEqualTo(firstThread);
        }
        w.close();
        assertThat(w.result()).as("the count restarts with the incarnation").isEqualTo(2L);
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void restartRunsAOneShotTaskAgain(WorkerType type) throws Exception {
        Worker<Long> w = Workers.start(type, System::nanoTime, quiet);
        w.await(Deadlines.LONG);
        long first = w.result();

        w.restart();
        assertThat(w.await(Deadlines.LONG)).isTrue();

        assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
        assertThat(w.result()).isNotEqualTo(first);
    }

    @Test
    void remoteWorkersWithoutAServerAreRefusedClearly() {
        assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worker-server");
    }
}
