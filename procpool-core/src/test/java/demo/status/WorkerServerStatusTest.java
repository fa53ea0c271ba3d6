package demo.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.procpool.OutputHandler;
import dev.procpool.Task;
import dev.procpool.Token;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import dev.procpool.status.PoolStatus;
import dev.procpool.status.WorkerStatus;
import dev.procpool.testing.Deadlines;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listening worker server's own status: the worker JVMs it runs for its controllers, from a user's package. */
@Tag("jvm") // starts JVMs: left out of the fast run (docs/building.md)
class WorkerServerStatusTest {
    static final Token TOKEN = Token.of("status-token-0123456789abcdef");

    /** Waits for a file, then ends its JVM with exit code 7. */
    record HaltWhenGateOpens(String gate) implements Task<String> {
        @Override
        public String call() throws Exception {
            while (!Files.exists(Path.of(gate))) {
                Thread.sleep(20); // polling the test's gate, not a fixed wait
            }
            Runtime.getRuntime().halt(7);
            return "unreachable";
        }
    }

    @Test
    void theServerShowsItsWorkersRealPidAndRssThenHowItEndedAndTheRefusedOne(@TempDir Path dir) throws Exception {
        WorkerServerOptions serverOptions = WorkerServerOptions.builder().token(TOKEN).maxWorkers(1)
                .output(OutputHandler.discard()).log(line -> { }).build();
        try (WorkerServer server = WorkerServer.start(serverOptions)) {
            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard()).name("haltme")
                    .remote(server.remoteOptions().allowClasses("demo.status.**").build()).build();
            Path gate = dir.resolve("gate");
            Worker<String> w = Workers.start(WorkerType.REMOTE, new HaltWhenGateOpens(gate.toString()), options);
            long pid = w.pid();

            await().atMost(Deadlines.LONG).until(() -> server.status().worker("haltme")
                    .filter(r -> r.state() == WorkerStatus.State.BUSY).isPresent());
            PoolStatus s = server.status();
            assertThat(s.kind()).isEqualTo("worker-server");
            assertThat(s.name()).isEqualTo("127.0.0.1:" + server.address().getPort());
            WorkerStatus row = s.worker("haltme").orElseThrow();
            assertThat(row.pid()).as("the worker JVM's real pid").hasValue(pid);
            assertThat(row.rssBytes().orElse(0)).as("its RSS from /proc").isGreaterThan(0);
            assertThat(row.cpuTime()).isPresent();
            assertThat(row.host()).contains(" for 127.0.0.1:");
            assertThat(row.currentTaskId()).as("the server decodes no task").isEmpty();
            assertThat(s.totals().workersStarted()).isEqualTo(1);
            assertThat(s.workersAlive()).isEqualTo(1);

            // over the limit of one worker at once: refused, and shown so
            WorkerOptions second = options.toBuilder().name("second").build();
            assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> "never", second))
                    .isInstanceOf(WorkerStartException.class).hasMessageContaining("limit of 1 workers");
            WorkerStatus refused = server.status().worker("second").orElseThrow();
            assertThat(refused.state()).isEqualTo(WorkerStatus.State.EXITED);
            assertThat(refused.pid()).isEmpty();
            assertThat(refused.exitReason()).hasValueSatisfying(r -> assertThat(r).startsWith("refused: "));

            Files.createFile(gate);
            assertThat(w.await(Deadlines.LONG)).isTrue();
            await().atMost(Deadlines.LONG).until(() -> server.status().worker("haltme")
                    .filter(r -> r.state() == WorkerStatus.State.EXITED).isPresent());
            PoolStatus after = server.status();
            WorkerStatus gone = after.worker("haltme").orElseThrow();
            assertThat(gone.pid()).hasValue(pid);
            assertThat(gone.exitReason()).hasValueSatisfying(r -> assertThat(r).startsWith("exit code 7"));
            assertThat(after.workersAlive()).isZero();
            assertThat(after.totals().workersDied()).isEqualTo(1);
            assertThat(after.workers()).extracting(WorkerStatus::name).containsExactly("haltme", "second");
        }
    }

    @Test
    void aServerInAnotherJvmSaysWhereItsStatusIs() throws Exception {
        WorkerServerOptions serverOptions = WorkerServerOptions.builder().token(TOKEN).output(OutputHandler.discard())
                .build();
        try (WorkerServer server = WorkerServer.spawn(serverOptions)) {
            assertThatThrownBy(server::status).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("--status-port");
        }
    }
}
