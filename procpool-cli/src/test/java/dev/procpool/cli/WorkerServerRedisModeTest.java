package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code procpool worker-server --redis}: its options and its errors (the node itself is tested in procpool-redis). */
class WorkerServerRedisModeTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void helpNamesTheRedisOptions() {
        assertThat(run("worker-server", "--help")).isZero();
        assertThat(out.toString()).contains("--redis=URL", "--workers", "--allow", "--tls-ca", "at least once");
    }

    @Test
    void withoutListenOrRedisItIsBadInput() {
        assertThat(run("worker-server")).isEqualTo(2);
        assertThat(err.toString()).contains("--listen", "--redis");
    }

    @Test
    void listenAndRedisTogetherIsBadInput() {
        assertThat(run("worker-server", "--listen", "127.0.0.1:0", "--redis", "redis://127.0.0.1:1")).isEqualTo(2);
        assertThat(err.toString()).contains("either --listen or --redis");
    }

    @Test
    void aRedisThatIsNotThereEndsWithExitCode1() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        assertThat(run("worker-server", "--redis", "redis://127.0.0.1:" + port, "--workers", "1")).isEqualTo(1);
    }
}
