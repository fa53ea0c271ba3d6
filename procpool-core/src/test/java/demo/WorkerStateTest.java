package demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.PersistentWorker;
import dev.procpool.TaskNotSerializableException;
import dev.procpool.Worker;
import dev.procpool.WorkerContext;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.WorkerServer;
import dev.procpool.testing.LeakCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Worker state (pyworkers' {@code init_state} / {@code user_state}), tried as a user would from
 * their own package, on every worker kind: given at creation, read and changed by the tasks,
 * brought back to the handle when the worker ends.
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
class WorkerStateTest {
    private WorkerServer server;
    private WorkerOptions options;

    @BeforeEach
    void start() throws Exception {
        release = false;
        server = Servers.start();
        options = Servers.options(server);
    }

    /** Lets a thread worker's spinning task end (a process worker's is killed). */
    private static volatile boolean release;

    @AfterEach
    void stop() {
        release = true;
        server.close();
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void oneShotTaskChangesItsStateAndTheHandleReadsItBack(WorkerType type) throws Exception {
        ArrayList<String> initial = new ArrayList<>(List.of("given"));
        Worker<Integer> w = Workers.start(type, () -> {
            @SuppressWarnings("unchecked")
            List<String> seen = WorkerContext.userState(ArrayList.class);
            seen.add("ran in " + WorkerContext.workerName().orElseThrow());
            return seen.size();
        }, options.toBuilder().name("stateful").initialState(initial).build());

        assertThat(w.await(Servers.WAIT)).isTrue();
        assertThat(w.result()).isEqualTo(2);
        assertThat(w.userState()).contains(List.of("given", "ran in stateful"));
        if (type == WorkerType.THREAD) {
            assertThat(w.userState().orElseThrow()).isSameAs(initial); // one object, shared
        } else {
            assertThat(initial).containsExactly("given"); // the worker had a copy
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void persistentWorkerCarriesItsStateFromCallToCall(WorkerType type) throws Exception {
        try (PersistentWorker<Integer, Integer> w = Workers.persistent(type, (Integer x) -> {
            int total = WorkerContext.userState(Integer.class) + x;
            WorkerContext.setUserState(total);
            return total;
        }, options.toBuilder().initialState(100).build())) {
            for (int i = 1; i <= 3; i++) {
                w.enqueue(i);
            }
            w.endInput();
            assertThat(w.results()).containsExactly(101, 103, 106);
            assertThat(w.await(Servers.WAIT)).isTrue();
            assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
            assertThat(w.userState()).contains(106);

            w.restart(); // starts again from the initial state
            w.enqueue(5);
            assertThat(w.nextResult(Servers.WAIT)).isEqualTo(105);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void stateComesBackWhenTheTaskThrows(WorkerType type) throws Exception {
        Worker<Object> w = Workers.start(type, () -> {
            WorkerContext.setUserState("half done");
            throw new IllegalStateException("boom");
        }, options);

        assertThat(w.await(Servers.WAIT)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.FAILED);
        assertThat(w.userState()).contains("half done");
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void killedWorkerKeepsWhatItsLastCompletedCallLeft(WorkerType type) throws Exception {
        PersistentWorker<Integer, Integer> w = Workers.persistent(type, (Integer x) -> {
            WorkerContext.setUserState(x);
            if (x == 2) {
                while (!release) {
                    Thread.onSpinWait(); // ignores interrupts: only a signal ends it
                }
            }
            return x;
        }, options.toBuilder().initialState(0).build());
        w.enqueue(1);
        w.enqueue(2);
        assertThat(w.nextResult(Servers.WAIT)).isEqualTo(1);
        if (type == WorkerType.THREAD) {
            await().atMost(Servers.WAIT).until(() -> w.userState().orElseThrow().equals(2));
        }

        w.kill();

        assertThat(w.await(Servers.WAIT)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        // a thread worker's state is the shared object, as the running call left it; a process
        // sends its state when a call ends, and the call cut off by SIGKILL never ended
        assertThat(w.userState()).contains(type == WorkerType.THREAD ? 2 : 1);
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void terminatedWorkerKeepsWhatTheInterruptedCallLeft(WorkerType type) throws Exception {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Worker<Object> w = Workers.start(type, () -> {
            WorkerContext.setUserState("started");
            System.out.println("sleeping");
            Thread.sleep(600_000);
            return null;
        }, options.toBuilder().output((worker, source, line) -> lines.add(line)).build());
        if (type == WorkerType.THREAD) {
            await().atMost(Servers.WAIT).until(() -> w.userState().isPresent());
        } else {
            await().atMost(Servers.WAIT).until(() -> lines.contains("sleeping"));
        }

        w.terminate(Duration.ofSeconds(5));

        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        // interrupted, the call ended by throwing, so a process worker sent its state as it left it
        assertThat(w.userState()).contains("started");
    }

    /** A thread worker's state is the object itself: only a worker in another JVM needs to encode it. */
    @ParameterizedTest
    @EnumSource(value = WorkerType.class, names = {"PROCESS", "REMOTE"})
    void stateTheCodecCannotEncodeFailsTheCall(WorkerType type) throws Exception {
        Worker<Integer> w = Workers.start(type, () -> {
            WorkerContext.setUserState(new Object());
            return 1;
        }, options);

        assertThat(w.await(Servers.WAIT)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.FAILED);
        assertThat(w.error()).get().isInstanceOf(TaskNotSerializableException.class)
                .asString().contains("worker state of type java.lang.Object");
    }

    @Test
    void aThreadWorkersStateNeedNotBeSerializable() throws Exception {
        Object mine = new Object();
        Worker<Integer> w = Workers.start(WorkerType.THREAD, () -> {
            WorkerContext.setUserState(mine);
            return 1;
        }, options);

        assertThat(w.await(Servers.WAIT)).isTrue();
        assertThat(w.state()).isEqualTo(WorkerState.COMPLETED);
        assertThat(w.userState()).containsSame(mine);
    }

    @Test
    void initialStateThatCannotCrossIsRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> Workers.start(WorkerType.PROCESS, () -> 1,
                options.toBuilder().initialState(new Object()).build()))
                .isInstanceOf(TaskNotSerializableException.class).hasMessageContaining("initial worker state");
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void aWorkerWithoutStateHasNone(WorkerType type) throws Exception {
        Worker<Boolean> w = Workers.start(type, () -> WorkerContext.userState().isEmpty(), options);
        assertThat(w.await(Servers.WAIT)).isTrue();
        assertThat(w.result()).isTrue();
        assertThat(w.userState()).isEmpty();
    }

    @Test
    void outsideAWorkerThereIsNoStateToSet() {
        assertThat(WorkerContext.userState()).isEmpty();
        assertThatThrownBy(() -> WorkerContext.setUserState(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not running in a worker");
    }
}
