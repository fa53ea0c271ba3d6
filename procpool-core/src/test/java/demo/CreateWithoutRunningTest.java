package demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.PersistentWorker;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerState;
import dev.procpool.WorkerTerminatedException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.WorkerServer;
import dev.procpool.testing.LeakCheck;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Creating a worker without running it (pyworkers' {@code run=False}), then starting it, or
 * closing it unstarted, on every worker kind.
 */
@Tag("jvm")
@ExtendWith(LeakCheck.class)
class CreateWithoutRunningTest {
    private WorkerServer server;
    private WorkerOptions options;

    @BeforeEach
    void start() throws Exception {
        server = Servers.start();
        options = Servers.options(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Set<Long> children() {
        return ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void oneShotWorkerWaitsForStart(WorkerType type) throws Exception {
        Set<Long> before = children();
        Worker<Integer> w = Workers.create(type, () -> 6 * 7, options);

        assertThat(w.state()).isEqualTo(WorkerState.CREATED);
        assertThat(w.pid()).isEqualTo(-1);
        assertThat(w.isAlive()).isFalse();
        assertThat(w.threadId()).isEmpty();
        assertThat(w.future()).isNotDone();
        assertThat(children()).isEqualTo(before);
        assertThatThrownBy(() -> w.await(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CREATED").hasMessageContaining("start()");
        assertThatThrownBy(w::result).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CREATED").hasMessageContaining("never started");

        w.start();

        assertThat(w.await(Servers.WAIT)).isTrue();
        assertThat(w.result()).isEqualTo(42);
        assertThat(w.future().get()).isEqualTo(42);
        assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("started already");
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void persistentWorkerTakesInputBeforeItStarts(WorkerType type) throws Exception {
        try (PersistentWorker<Integer, Integer> w = Workers.createPersistent(type, (Integer x) -> x * x, options)) {
            w.enqueue(3);
            w.enqueue(4);
            w.endInput();
            assertThat(w.state()).isEqualTo(WorkerState.CREATED);
            assertThat(w.pending()).isEqualTo(2);

            w.start();

            assertThat(w.results()).containsExactly(9, 16);
            assertThat(w.await(Servers.WAIT)).isTrue();
            assertThat(w.result()).isEqualTo(2L);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerType.class)
    void closingAWorkerNeverStartedReleasesEverything(WorkerType type) throws Exception {
        Set<Long> before = children();
        PersistentWorker<Integer, Integer> w = Workers.createPersistent(type, (Integer x) -> x, options);
        w.enqueue(1);

        w.close();

        assertThat(w.state()).isEqualTo(WorkerState.TERMINATED);
        assertThat(w.await(Duration.ZERO)).isTrue();
        assertThat(w.exit()).get().asString().contains("before it was started");
        assertThatThrownBy(() -> w.nextResult(Duration.ZERO)).isInstanceOf(WorkerTerminatedException.class)
                .hasMessageContaining("never started");
        assertThat(w.future()).isCompletedExceptionally();
        assertThatThrownBy(w::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("TERMINATED");
        assertThat(children()).isEqualTo(before); // no process was ever made
        w.close(); // idempotent
    }
}
