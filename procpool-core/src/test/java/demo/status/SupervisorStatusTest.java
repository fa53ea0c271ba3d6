package demo.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.procpool.WorkerType;
import dev.procpool.agents.Agent;
import dev.procpool.agents.Supervisor;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.WorkerStatus;
import dev.procpool.testing.Deadlines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A supervisor's agents in its status: a running one with its process's memory, an ended one with how it ended. */
@Tag("jvm")
class SupervisorStatusTest {

    static final class Waiter extends Agent {
        private static final long serialVersionUID = 1L;
        private final String gate;

        Waiter(String gate) {
            this.gate = gate;
        }

        @Override
        protected void run() throws Exception {
            while (!Files.exists(Path.of(gate))) {
                Thread.sleep(5);
            }
        }
    }

    static final class Quick extends Agent {
        private static final long serialVersionUID = 1L;

        @Override
        protected void run() {
        }
    }

    @Test
    void aRunningAgentIsBusyWithItsProcessAndAnEndedOneShowsHowItEnded(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        Supervisor supervisor = Supervisor.builder().add("waiter", new Waiter(gate.toString())).add("quick", new Quick()).build();
        assertThat(supervisor.status().workers()).extracting(WorkerStatus::state)
                .containsOnly(WorkerStatus.State.STARTING);
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try {
                supervisor.supervise();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Deadlines.LONG).until(() -> {
            PoolStatus s = supervisor.status();
            return s.worker("waiter").map(w -> w.state() == WorkerStatus.State.BUSY && w.rssBytes().isPresent()).orElse(false)
                    && s.worker("quick").map(w -> w.state() == WorkerStatus.State.EXITED).orElse(false);
        });
        PoolStatus s = supervisor.status();
        assertThat(s.kind()).isEqualTo("agents");
        WorkerStatus waiter = s.worker("waiter").orElseThrow();
        assertThat(waiter.type()).isEqualTo(WorkerType.PROCESS);
        assertThat(waiter.pid().orElseThrow()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(waiter.currentTaskAge()).isPresent();
        assertThat(s.worker("quick").orElseThrow().exitReason()).isPresent();
        assertThat(s.totals().workersAlive()).isEqualTo(1);
        Files.createFile(gate);
        run.get(Deadlines.LONG.toSeconds(), TimeUnit.SECONDS);
        assertThat(supervisor.status().workers()).extracting(WorkerStatus::state).containsOnly(WorkerStatus.State.EXITED);
    }
}
