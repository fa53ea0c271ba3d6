package demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.OutputHandler;
import dev.procpool.Token;
import dev.procpool.jobs.JobStatus;
import dev.procpool.remote.RemoteCommand;
import dev.procpool.remote.RemoteOptions;
import dev.procpool.remote.WorkerServer;
import dev.procpool.remote.WorkerServerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A command on a worker-server through the public {@link RemoteCommand}, as a user outside procpool runs it. */
@Tag("jvm")
class RemoteCommandTest {
    private static final Token TOKEN = Token.random();
    private static WorkerServer server;

    @BeforeAll
    static void start() throws IOException {
        server = WorkerServer.start(WorkerServerOptions.builder().token(TOKEN)
                .output(OutputHandler.discard()).log(line -> { }).build());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static RemoteOptions remote() {
        return server.remoteOptions().build();
    }

    @Test
    void aCommandsOutputAndExitCodeComeBack() throws IOException {
        RemoteCommand cmd = RemoteCommand.builder(remote(),
                List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3")).timeout(Duration.ofSeconds(60)).start();
        assertThat(cmd.serverHost()).isNotBlank();

        RemoteCommand.Result r = cmd.await();

        assertThat(r.status()).isEqualTo(JobStatus.FAILED);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.signalNumber()).isZero();
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEqualTo("out\n");
        assertThat(new String(r.stderr(), StandardCharsets.UTF_8)).isEqualTo("err\n");
        assertThat(r.start()).isPresent();
        assertThat(r.serverHost()).isEqualTo(cmd.serverHost());
        r.stdout()[0] = 'X';
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).as("the result is immutable").isEqualTo("out\n");
    }

    @Test
    void aTimeoutKillsTheCommandOnTheServer() throws IOException {
        long t0 = System.nanoTime();
        RemoteCommand.Result r = RemoteCommand.builder(remote(), List.of("sleep", "30"))
                .timeout(Duration.ofMillis(300)).start().await();

        assertThat(r.status()).isEqualTo(JobStatus.TIMED_OUT);
        assertThat(r.succeeded()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void cancelKillsTheCommand() throws IOException {
        RemoteCommand cmd = RemoteCommand.builder(remote(), List.of("sleep", "30")).start();
        cmd.cancel();

        RemoteCommand.Result r = cmd.await();

        assertThat(r.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(r.runtime()).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void aWrongTokenIsRefused() {
        RemoteOptions wrong = RemoteOptions.builder(server.address()).token(Token.random()).build();

        assertThatThrownBy(() -> RemoteCommand.builder(wrong, List.of("echo", "never")).start().await())
                .isInstanceOf(IOException.class).hasMessageContaining("refused");
    }

    @Test
    void anEmptyCommandIsRejected() {
        assertThatThrownBy(() -> RemoteCommand.builder(remote(), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
