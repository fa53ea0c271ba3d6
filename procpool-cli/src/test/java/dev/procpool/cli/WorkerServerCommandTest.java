package dev.procpool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.procpool.Token;
import dev.procpool.OutputHandler;
import dev.procpool.Worker;
import dev.procpool.WorkerOptions;
import dev.procpool.WorkerStartException;
import dev.procpool.WorkerType;
import dev.procpool.Workers;
import dev.procpool.remote.RemoteOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real {@code procpool worker-server} command, as a process, serving real remote workers. */
@Tag("jvm") // starts JVMs or other processes: left out of the fast run (docs/building.md)
class WorkerServerCommandTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static List<String> procpool(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.procpool.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static BlockingQueue<String> lines(InputStream in) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    q.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static String awaitLine(BlockingQueue<String> q, String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() - deadline < 0) {
            String line = q.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.contains(fragment)) {
                return line;
            }
        }
        throw new AssertionError("no line with '" + fragment + "' within " + DEADLINE);
    }

    private static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20); // polling a condition, not a fixed wait
        }
    }

    @Test
    void theWorkerServerCommandServesAuthenticatedRemoteWorkersAndRefusesOthers(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "cli-test-token-0123456789abcdef\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        ProcessBuilder pb = new ProcessBuilder(procpool("worker-server", "--listen", "127.0.0.1:0",
                "--token-file", tokenFile.toString()));
        pb.environment().remove("PROCPOOL_TOKEN");
        Process server = pb.start();
        try {
            BlockingQueue<String> out = lines(server.getInputStream());
            BlockingQueue<String> err = lines(server.getErrorStream());
            String ready = awaitLine(out, "procpool worker-server listening on 127.0.0.1:");
            int port = Integer.parseInt(ready.replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
            assertThat(ready).contains("TLS off");

            WorkerOptions options = WorkerOptions.builder().output(OutputHandler.discard())
                    .remote(RemoteOptions.builder("127.0.0.1", port).tokenFile(tokenFile).build()).build();
            Worker<Long> w = Workers.start(WorkerType.REMOTE, () -> ProcessHandle.current().parent().orElseThrow().pid(),
                    options);
            assertThat(w.await(DEADLINE)).isTrue();
            assertThat(w.result()).as("the worker is a child of the server").isEqualTo(server.pid());

            WorkerOptions wrong = WorkerOptions.builder().remote(RemoteOptions.builder("127.0.0.1", port)
                    .token(Token.of("a-wrong-token-0123456789")).build()).build();
            assertThatThrownBy(() -> Workers.start(WorkerType.REMOTE, () -> 1, wrong))
                    .isInstanceOf(WorkerStartException.class).hasMessageContaining("authentication failed");
            assertThat(awaitLine(err, "refused connection from /127.0.0.1:")).contains("wrong token");

            Worker<String> hanging = Workers.start(WorkerType.REMOTE, () -> {
                Thread.sleep(600_000);
                return "never";
            }, options);
            long remotePid = hanging.pid();
            assertThat(ProcessHandle.of(remotePid)).isPresent();

            server.toHandle().destroy(); // SIGTERM: the server stops and kills the workers it runs
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
            until("the remote worker to be killed", () -> ProcessHandle.of(remotePid).map(p -> !p.isAlive()).orElse(true));
            assertThat(hanging.await(DEADLINE)).isTrue();
            assertThat(hanging.error().orElseThrow()).hasMessageContaining("worker-server 127.0.0.1:" + port);
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void badInputIsOneLineAndExitCode2(@TempDir Path dir) throws Exception {
        assertBadInput(dir, "missing --listen HOST:PORT", "worker-server");
        assertBadInput(dir, "expected HOST:PORT", "worker-server", "--listen", "nowhere");
        assertBadInput(dir, "PROCPOOL_TOKEN is not set", "worker-server", "--listen", "127.0.0.1:0");
        Path shortToken = dir.resolve("short");
        Files.writeString(shortToken, "abc");
        assertBadInput(dir, "too short", "worker-server", "--listen", "127.0.0.1:0", "--token-file", shortToken.toString());
    }

    private static void assertBadInput(Path dir, String message, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(procpool(args)).redirectErrorStream(true);
        pb.environment().remove("PROCPOOL_TOKEN");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(2);
        assertThat(output).contains(message).doesNotContain("\tat ");
    }
}
